//! `plumb bench sandbox`: the embedded API server driven by kube-rs, beside
//! kubectl against the served sandbox.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::bench::sandbox::{SandboxBench, SandboxReport};
use crate::cli::OutputFormat;
use crate::cli::bench::{RatioRow, print_report, write_ratio_table};
use crate::source::render::find_on_path;

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

pub fn run(args: &SandboxArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = find_on_path("kubectl").ok_or_else(|| eyre!("kubectl is not on PATH"))?;
    let bench = SandboxBench {
        objects: args.objects.max(1),
        apply: args.apply.max(1),
        memory_objects: args.memory_objects.max(1),
        runs: args.runs.max(1),
        kubectl,
    };
    let report = bench.run()?;
    print_report(out, args.output, &report, write_report)
}

fn write_report(report: &SandboxReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "sandbox: {} runs; baseline: kubectl apply --server-side -f DIR (one file per object) against the served sandbox",
        report.runs
    )?;
    writeln!(out)?;
    let ms = |v: f64| format!("{v:.0} ms");
    let rows: Vec<RatioRow> = report
        .scenarios
        .iter()
        .map(|s| RatioRow {
            name: &s.name,
            plumb: s.plumb,
            baseline: s.baseline,
            ratio: s.ratio,
        })
        .collect();
    write_ratio_table(out, "PLUMB", "BASELINE", &rows)?;
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
            memory.peak_kib.map_or_else(|| "-".to_owned(), mib)
        )?;
    }
    Ok(())
}
