//! `plumb bench sync`: a generated app synced by plumb's operation runner,
//! beside `kubectl apply --server-side` of the same files, both against a
//! served sandbox.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::bench::sync::{SyncBench, SyncReport};
use crate::cli::OutputFormat;
use crate::cli::bench::{RatioRow, print_report, write_ratio_table};
use crate::source::render::find_on_path;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Objects in the generated app (ConfigMaps, Secrets, Services, Deployments; one wave).
    #[arg(long, default_value_t = 1_000)]
    pub objects: usize,
    /// Runs per measurement (min and median are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Output format (table or json).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(args: &SyncArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = find_on_path("kubectl").ok_or_else(|| eyre!("kubectl is not on PATH"))?;
    let bench = SyncBench {
        objects: args.objects.max(1),
        runs: args.runs.max(1),
        kubectl,
    };
    let report = bench.run()?;
    print_report(out, args.output, &report, write_report)
}

fn write_report(report: &SyncReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "sync: {} objects in one wave, {} runs, each on a fresh sandbox served over loopback TLS; \
         plumb: the operation runner with lease, store and history; \
         baseline: kubectl apply --server-side -f DIR (first apply, then re-apply)",
        report.objects, report.runs
    )?;
    writeln!(out)?;
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
    write_ratio_table(out, "PLUMB", "KUBECTL", &rows)?;
    if let Some(peak) = report.peak_rss_kib {
        writeln!(out)?;
        writeln!(
            out,
            "peak resident memory (plumb and the served sandbox in one process): {:.1} MiB",
            peak as f64 / 1024.0
        )?;
    }
    Ok(())
}
