//! `plumb bench ...`: benchmarks against the real tools, printed as a table
//! or JSON. Timings never run as tests.

mod sandbox;
mod sync;

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::OutputFormat;
use super::table::write_table;
use crate::bench::appset::AppsetBench;
use crate::bench::compare::{CompareBench, CompareReport};
use crate::bench::fleet::{FleetKind, FleetSpec};
use crate::bench::measure::Summary;
use crate::bench::render::{RenderBench, RenderReport};
use crate::source::render::find_on_path;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Render a generated fleet with plumb and with the real tools directly.
    Render(RenderArgs),
    /// Drive the embedded sandbox with kube-rs and with kubectl.
    Sandbox(sandbox::SandboxArgs),
    /// Sync a generated app with plumb's runner, against `kubectl apply --server-side`.
    Sync(sync::SyncArgs),
    /// Compare a fleet on a warm live index, against `kubectl diff` on a served sandbox.
    Compare(CompareArgs),
    /// List 2,000 ApplicationSet-generated apps, against the same apps as plain files.
    Appset(AppsetArgs),
    /// Console frame times on a TestBackend: first frame, p50 / p99.
    Tui(TuiArgs),
}

#[derive(Debug, Args)]
pub struct AppsetArgs {
    /// Folders the git-directories generator finds.
    #[arg(long, default_value_t = 200)]
    pub dirs: usize,
    /// Elements of the list generator crossed with them.
    #[arg(long, default_value_t = 10)]
    pub envs: usize,
    /// Runs per measurement (min and median are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Number of apps in the list.
    #[arg(long, default_value_t = 10_000)]
    pub apps: usize,
    /// Nodes in one app's resource tree (all expanded).
    #[arg(long, default_value_t = 5_000)]
    pub tree_nodes: usize,
    /// Frames measured in the list and in the tree.
    #[arg(long, default_value_t = 500)]
    pub frames: usize,
    /// Output format (table or json).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Number of apps.
    #[arg(long, default_value_t = 500)]
    pub apps: usize,
    /// Resources per app.
    #[arg(long, default_value_t = 20)]
    pub resources: usize,
    /// Runs per measurement (min and median are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Skip the sandbox and kubectl diff: compare against synthesized live objects.
    #[arg(long)]
    pub no_kubectl: bool,
    /// Lines of the rewritten ConfigMap for the text-diff measurement.
    #[arg(long, default_value_t = 20_000)]
    pub configmap_lines: usize,
    /// Text diffs measured for the p99.
    #[arg(long, default_value_t = 100)]
    pub text_diff_samples: usize,
    /// The text-diff deadline in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub deadline_ms: u64,
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
        BenchCommand::Appset(args) => appset(args, out),
        BenchCommand::Compare(args) => compare(args, out),
        BenchCommand::Sandbox(args) => sandbox::run(args, out),
        BenchCommand::Sync(args) => sync::run(args, out),
        BenchCommand::Tui(args) => tui(args, out),
    }
}

fn tui(args: &TuiArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let report = crate::bench::tui::TuiBench {
        apps: args.apps.max(1),
        tree_nodes: args.tree_nodes.max(1),
        frames: args.frames.max(1),
        width: 160,
        height: 45,
    }
    .run()?;
    if matches!(args.output, OutputFormat::Json | OutputFormat::Yaml) {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{} apps, a {}-node tree, {} frames each, 160x45 TestBackend",
        report.apps, report.tree_nodes, report.frames
    )?;
    let ms = |v: f64| format!("{v:.2} ms");
    let verdict = |v: f64, target: f64| if v < target { "ok" } else { "over" }.to_owned();
    let rows = vec![
        vec![
            "first frame".to_owned(),
            ms(report.first_frame_ms),
            format!("< {}", ms(report.first_frame_target_ms)),
            verdict(report.first_frame_ms, report.first_frame_target_ms),
        ],
        vec![
            "list frame p50 / p99".to_owned(),
            format!("{} / {}", ms(report.list_p50_ms), ms(report.list_p99_ms)),
            format!("p99 < {}", ms(report.p99_target_ms)),
            verdict(report.list_p99_ms, report.p99_target_ms),
        ],
        vec![
            "tree frame p50 / p99".to_owned(),
            format!("{} / {}", ms(report.tree_p50_ms), ms(report.tree_p99_ms)),
            format!("p99 < {}", ms(report.p99_target_ms)),
            verdict(report.tree_p99_ms, report.p99_target_ms),
        ],
    ];
    write_table(out, &["MEASUREMENT", "TIME", "TARGET", ""], &rows)?;
    Ok(ExitCode::SUCCESS)
}

fn compare(args: &CompareArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = if args.no_kubectl {
        None
    } else {
        Some(
            find_on_path("kubectl")
                .ok_or_else(|| eyre!("kubectl is not on PATH (or pass --no-kubectl)"))?,
        )
    };
    let bench = CompareBench {
        apps: args.apps.max(1),
        resources: args.resources.max(1),
        runs: args.runs.max(1),
        kubectl,
        configmap_lines: args.configmap_lines.max(1),
        text_diff_samples: args.text_diff_samples.max(1),
        deadline: std::time::Duration::from_millis(args.deadline_ms),
    };
    let report = bench.run()?;
    print_report(out, args.output, &report, write_compare_report)
}

fn write_compare_report(report: &CompareReport, out: &mut dyn Write) -> Result<()> {
    let ms = |v: f64| format!("{v:.0} ms");
    writeln!(
        out,
        "fleet: {} apps x {} resources, live from {}, {} runs; {} apps OutOfSync",
        report.apps, report.resources, report.live_source, report.runs, report.out_of_sync_apps
    )?;
    let mut rows = vec![vec![
        "plumb compare (warm live index)".to_owned(),
        ms(report.plumb.median_ms),
        ms(report.plumb.min_ms),
    ]];
    if let Some(kubectl) = report.kubectl_diff {
        rows.push(vec![
            "kubectl diff --server-side".to_owned(),
            ms(kubectl.median_ms),
            ms(kubectl.min_ms),
        ]);
    }
    write_table(out, &["MEASUREMENT", "MEDIAN", "MIN"], &rows)?;
    if let Some(ratio) = report.ratio {
        writeln!(out, "kubectl diff / plumb: {ratio:.1}x")?;
    }
    let text = &report.text_diff;
    writeln!(
        out,
        "text diff of a {}-line rewritten ConfigMap: p99 {:.1} ms, max {:.1} ms over {} samples (deadline {:.0} ms, {} cut short)",
        text.lines, text.p99_ms, text.max_ms, text.samples, text.deadline_ms, text.cut_short
    )?;
    Ok(())
}

fn render(args: &RenderArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let kubectl = find_on_path("kubectl").ok_or_else(|| eyre!("kubectl is not on PATH"))?;
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
    print_report(out, args.output, &report, write_report)
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
    let rows: Vec<RatioRow> = report
        .scenarios
        .iter()
        .map(|s| RatioRow {
            name: s.name,
            plumb: s.plumb,
            baseline: Some(s.baseline),
            ratio: Some(s.ratio),
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
    if let Some(kib) = report.peak_rss_kib {
        writeln!(out, "peak RSS of plumb: {:.1} MiB", kib as f64 / 1024.0)?;
    }
    Ok(())
}

fn appset(args: &AppsetArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let bench = AppsetBench {
        dirs: args.dirs,
        envs: args.envs,
        runs: args.runs,
        plumb: std::env::current_exe()?,
    };
    let report = bench.run().map_err(|e| eyre!("{e}"))?;
    writeln!(
        out,
        "fleet: {} apps from one ApplicationSet (matrix of git directories x list); baseline: the same apps as plain Application files; {} runs; time until `plumb app list` prints",
        report.apps, report.runs
    )?;
    let rows: Vec<RatioRow> = report
        .scenarios
        .iter()
        .map(|s| RatioRow {
            name: s.name,
            plumb: s.plumb,
            baseline: Some(s.baseline),
            ratio: Some(s.ratio()),
        })
        .collect();
    write_ratio_table(out, "APPSET", "PLAIN", &rows)?;
    Ok(ExitCode::SUCCESS)
}

/// One scenario row: plumb's timing beside the baseline's and their ratio.
pub(crate) struct RatioRow<'a> {
    pub name: &'a str,
    pub plumb: Summary,
    pub baseline: Option<Summary>,
    pub ratio: Option<f64>,
}

/// Writes scenario rows under `[scenario, ours median, ours min, baseline
/// median, baseline min, ratio]` headers; `-` where a row has no baseline.
pub(crate) fn write_ratio_table(
    out: &mut dyn Write,
    ours: &str,
    baseline: &str,
    rows: &[RatioRow<'_>],
) -> Result<()> {
    let ms = |v: f64| format!("{v:.0} ms");
    let none = || "-".to_owned();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.to_owned(),
                ms(r.plumb.median_ms),
                ms(r.plumb.min_ms),
                r.baseline.map_or_else(none, |b| ms(b.median_ms)),
                r.baseline.map_or_else(none, |b| ms(b.min_ms)),
                r.ratio.map_or_else(none, |x| format!("{x:.2}x")),
            ]
        })
        .collect();
    let headers = [
        "SCENARIO".to_owned(),
        format!("{ours} MEDIAN"),
        format!("{ours} MIN"),
        format!("{baseline} MEDIAN"),
        format!("{baseline} MIN"),
        "RATIO".to_owned(),
    ];
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    write_table(out, &headers, &cells)?;
    Ok(())
}

/// Prints a report as JSON (`-o json|yaml`) or through its table writer.
pub(crate) fn print_report<T: serde::Serialize>(
    out: &mut dyn Write,
    output: OutputFormat,
    report: &T,
    table: fn(&T, &mut dyn Write) -> Result<()>,
) -> Result<ExitCode> {
    match output {
        OutputFormat::Json | OutputFormat::Yaml => {
            writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
        }
        OutputFormat::Table | OutputFormat::Wide => table(report, out)?,
    }
    Ok(ExitCode::SUCCESS)
}
