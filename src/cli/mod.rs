//! Headless subcommands over the engine, and the process entry point.

mod app;
mod appset;
mod background;
mod bench;
mod console;
mod context;
pub mod diff;
pub mod get;
mod health;
pub mod live_source;
mod output;
pub mod resources;
mod rollback;
mod sandbox;
mod sync;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::io::Write;

use color_eyre::eyre::Result;

pub use output::{OutputFormat, is_broken_pipe, print_stderr};

#[derive(Debug, Parser)]
#[command(
    name = "plumb",
    version,
    about = "A terminal GitOps console for Kubernetes"
)]
pub struct Cli {
    #[command(flatten)]
    pub source: context::SourceArgs,
    /// Start the console without any action that changes the cluster.
    #[arg(long)]
    pub readonly: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Applications: list them, render them.
    #[command(subcommand)]
    App(app::AppCommand),
    /// The health of the objects in files, with optional Lua overrides.
    Health(health::HealthArgs),
    /// Serve or reset the embedded Kubernetes sandbox.
    Sandbox(sandbox::SandboxArgs),
    /// Benchmarks against the real tools (not part of the tests).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// ApplicationSets: list them, print the Applications they generate.
    #[command(subcommand)]
    Appset(appset::AppsetCommand),
}

/// Runs plumb and maps the outcome to an exit code: 0 on success, 1 on error.
/// A closed stdout (`plumb ... | head`) ends quietly with 0.
pub fn main() -> ExitCode {
    if let Err(e) = install_error_handling() {
        print_stderr(format_args!("plumb: {e}"));
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            print_stderr(format_args!("plumb: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn install_error_handling() -> Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::tui::restore_terminal();
        panic_hook(info);
    }));
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    if cli.command.is_none() {
        console::run(&cli.source, cli.readonly)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli.command {
        Some(Command::Sandbox(args)) => return sandbox::run(args),
        Some(Command::Health(args)) => health::run(&args, &mut out)?,
        Some(Command::App(command)) => {
            match context::Context::new(&app::root_source(&cli.source, &command)) {
                Ok(ctx) => app::run(&ctx, &command, &mut out)?,
                // `app diff` reports every error with exit code 2.
                Err(e) if matches!(command, app::AppCommand::Diff(_)) => {
                    print_stderr(format_args!("plumb: {e:#}"));
                    diff::error_exit()
                }
                Err(e) => return Err(e),
            }
        }
        Some(Command::Bench(command)) => bench::run(&command, &mut out)?,
        Some(Command::Appset(command)) => {
            appset::run(&context::Context::new(&cli.source)?, &command, &mut out)?
        }
        None => ExitCode::SUCCESS,
    };
    out.flush()?;
    Ok(code)
}
