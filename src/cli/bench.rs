//! `plumb bench ...`: benchmarks against the real tools, printed as a table
//! or JSON. Timings never run as tests.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::OutputFormat;
use super::table::write_table;
use crate::bench::fleet::{FleetKind, FleetSpec};
use crate::bench::render::{RenderBench, RenderReport};
use crate::bench::sandbox::{SandboxBench, SandboxReport};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Render a generated fleet with plumb and with the real tools directly.
    Render(RenderArgs),
    /// Drive the embedded sandbox with kube-rs and with kubectl.
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// ConfigMaps created and then listed.
    #[arg(long, default_value_t = 10_000)]
    pub objects: usize,
    /// Objects applied server-side (kube-rs and kubectl each).
    #[arg(long, default_value_t = 1_000)]
    pub apply: usize,
    /// Objects stored for the resident memory measurement.
    #[arg(long, default_value_t = 20_000)]
    pub memory_objects: usize,
    /// Runs per measurement (min and median are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Output format (table or json).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Number of apps in the generated fleet.
    #[arg(long, default_value_t = 500)]
    pub apps: usize,
    /// Objects per app.
    #[arg(long, default_value_t = 20)]
    pub objects: usize,
    /// Kind of apps: kustomize, plain, or mixed (half each).
    #[arg(long, value_enum, default_value_t = FleetKind::Mixed)]
    pub kind: FleetKind,
    /// Runs per measurement (min and median are reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Worker threads, the same for plumb and the baseline.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Output format (table or json).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(command: &BenchCommand, out: &mut dyn Write) -> Result<ExitCode> {
    match command {
        BenchCommand::Render(args) => render(args, out),
        BenchCommand::Sandbox(args) => sandbox(args, out),
    }
}

fn sandbox(args: &SandboxArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = which("kubectl").ok_or_else(|| eyre!("kubectl is not on PATH"))?;
    let bench = SandboxBench {
        objects: args.objects.max(1),
        apply: args.apply.max(1),
        memory_objects: args.memory_objects.max(1),
        runs: args.runs.max(1),
        kubectl,
    };
    let report = bench.run()?;
    match args.output {
        OutputFormat::Json | OutputFormat::Yaml => {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        OutputFormat::Table | OutputFormat::Wide => write_sandbox_report(&report, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write_sandbox_report(report: &SandboxReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "sandbox: {} runs; baseline: kubectl apply --server-side -f DIR (one file per object) against the served sandbox",
        report.runs
    )?;
    writeln!(out)?;
    let ms = |v: f64| format!("{v:.0} ms");
    let none = || "-".to_owned();
    let rows: Vec<Vec<String>> = report
        .scenarios
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                ms(s.plumb.median_ms),
                ms(s.plumb.min_ms),
                s.baseline.map_or_else(none, |b| ms(b.median_ms)),
                s.baseline.map_or_else(none, |b| ms(b.min_ms)),
                s.ratio.map_or_else(none, |r| format!("{r:.2}x")),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "SCENARIO",
            "PLUMB MEDIAN",
            "PLUMB MIN",
            "BASELINE MEDIAN",
            "BASELINE MIN",
            "RATIO",
        ],
        &rows,
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "kubectl process floor (kubectl version --client): median {}, min {}",
        ms(report.kubectl_floor.median_ms),
        ms(report.kubectl_floor.min_ms)
    )?;
    let memory = &report.memory;
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    if let (Some(before), Some(after)) = (memory.rss_before_kib, memory.rss_after_kib) {
        writeln!(
            out,
            "resident memory with {} ConfigMaps stored: VmRSS {} (was {} before them, {} bytes per object); VmHWM {}",
            memory.objects,
            mib(after),
            mib(before),
            after.saturating_sub(before) * 1024 / memory.objects.max(1) as u64,
            memory.peak_kib.map_or_else(none, mib)
        )?;
    }
    Ok(())
}

fn render(args: &RenderArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = which("kubectl").ok_or_else(|| eyre!("kubectl is not on PATH"))?;
    let bench = RenderBench {
        fleet: FleetSpec {
            apps: args.apps.max(1),
            objects: args.objects.max(1),
            kind: args.kind,
        },
        runs: args.runs.max(1),
        threads: args.threads.max(1),
        kubectl,
    };
    let report = bench.run()?;
    match args.output {
        OutputFormat::Json | OutputFormat::Yaml => {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        OutputFormat::Table | OutputFormat::Wide => write_report(&report, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn write_report(report: &RenderReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "fleet: {} {} apps x {} objects ({} objects per pass), {} runs, {} threads each side",
        report.fleet.apps,
        report
            .fleet
            .kind
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default(),
        report.fleet.objects,
        report.objects,
        report.runs,
        report.threads
    )?;
    writeln!(
        out,
        "plumb renders Kustomize with: {}; baseline: kubectl kustomize per app, plain files read and parsed",
        report.plumb_kustomize
    )?;
    writeln!(out)?;
    let ms = |v: f64| format!("{v:.0} ms");
    let rows: Vec<Vec<String>> = report
        .scenarios
        .iter()
        .map(|s| {
            vec![
                s.name.to_owned(),
                ms(s.plumb.median_ms),
                ms(s.plumb.min_ms),
                ms(s.baseline.median_ms),
                ms(s.baseline.min_ms),
                format!("{:.2}x", s.ratio),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "SCENARIO",
            "PLUMB MEDIAN",
            "PLUMB MIN",
            "BASELINE MEDIAN",
            "BASELINE MIN",
            "RATIO",
        ],
        &rows,
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "kubectl process floor (kubectl version --client): median {}, min {}",
        ms(report.kubectl_floor.median_ms),
        ms(report.kubectl_floor.min_ms)
    )?;
    if let Some(kib) = report.peak_rss_kib {
        writeln!(out, "peak RSS of plumb: {:.1} MiB", kib as f64 / 1024.0)?;
    }
    Ok(())
}
