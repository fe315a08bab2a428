//! `plumb sandbox`: serve the embedded API server for kubectl, or reset it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, WrapErr};

use crate::config::Paths;
use crate::sandbox::connect::Owner;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    #[command(subcommand)]
    pub command: SandboxCommand,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 and write a kubeconfig for kubectl.
    Serve {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Delete the sandbox's stored state so the next start is clean.
    Reset,
}

fn sandbox_dir(paths: &Paths) -> std::path::PathBuf {
    paths.data_dir.join("sandbox")
}

pub fn run(args: SandboxArgs) -> Result<ExitCode> {
    let paths = Paths::discover()?;
    match args.command {
        SandboxCommand::Serve { port } => serve(&paths, port),
        SandboxCommand::Reset => {
            let dir = sandbox_dir(&paths);
            crate::sandbox::persist::ensure_unowned(&dir)?;
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .wrap_err_with(|| format!("cannot remove {}", dir.display()))?;
            }
            println!("sandbox reset: {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(paths: &Paths, port: u16) -> Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().wrap_err("cannot start the async runtime")?;
    runtime.block_on(async {
        // Listen before announcing the kubeconfig: a SIGTERM sent right after
        // the announcement must stop the server cleanly, not kill it.
        let stop = stop_signal()?;
        let owner = Owner::start(&sandbox_dir(paths), port)
            .await
            .wrap_err("cannot serve the sandbox")?;
        let mut out = std::io::stdout();
        if let Some(served) = &owner.served {
            writeln!(out, "serving on https://{}", served.address)?;
            writeln!(out, "kubeconfig: {}", served.kubeconfig.display())?;
        }
        out.flush()?;
        stop.await;
        // Dropping the owner removes the kubeconfig and releases the state.
        drop(owner);
        Ok(ExitCode::SUCCESS)
    })
}

/// Installs the handlers now; the future resolves on Ctrl-C or SIGTERM.
#[cfg(unix)]
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).wrap_err("cannot listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).wrap_err("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
