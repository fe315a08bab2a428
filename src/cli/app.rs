//! `plumb app ...`: the applications under the root and their desired objects.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail, eyre};
use serde_json::json;

use super::context::Context;
use super::table::write_table;
use super::{OutputFormat, print_stderr};
use crate::model::{Application, Diagnostic, Severity};
use crate::source::discovery::{Catalog, CatalogApp};

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// List applications: name, project, repository, path, revision, destination, sync policy.
    List(ListArgs),
    /// Print an application's rendered desired objects.
    Manifests(ManifestsArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// The application's name.
    pub name: String,
    /// Output format (yaml or json).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
    /// Render again even if the cache holds this app's inputs.
    #[arg(long)]
    pub hard_refresh: bool,
}

pub fn run(ctx: &Context, command: &AppCommand, out: &mut dyn Write) -> Result<ExitCode> {
    match command {
        AppCommand::List(args) => list(ctx, args, out),
        AppCommand::Manifests(args) => manifests(ctx, args, out),
    }
}

fn load_catalog(ctx: &Context) -> Result<Catalog> {
    Ok(ctx.workspace.catalog(&ctx.root)?)
}

/// Prints diagnostics to stderr; true when any is an error.
fn report(diagnostics: &[Diagnostic]) -> bool {
    for d in diagnostics {
        let level = match d.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        print_stderr(format_args!("plumb: {level}: {d}"));
    }
    diagnostics.iter().any(Diagnostic::is_error)
}

fn list(ctx: &Context, args: &ListArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let catalog = load_catalog(ctx)?;
    match args.output {
        OutputFormat::Json => {
            let apps: Vec<_> = catalog.apps.iter().map(app_summary).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&apps)?)?;
        }
        OutputFormat::Yaml => {
            let apps: Vec<_> = catalog.apps.iter().map(app_summary).collect();
            write!(out, "{}", serde_yaml::to_string(&apps)?)?;
        }
        OutputFormat::Table | OutputFormat::Wide => {
            let wide = args.output == OutputFormat::Wide;
            let mut header = vec![
                "NAME",
                "PROJECT",
                "REPO",
                "PATH",
                "REVISION",
                "CLUSTER",
                "NAMESPACE",
                "SYNCPOLICY",
            ];
            if wide {
                header.extend(["SELFHEAL", "PARENT", "FILE"]);
            }
            let rows: Vec<Vec<String>> = catalog
                .apps
                .iter()
                .map(|entry| app_row(entry, wide))
                .collect();
            write_table(out, &header, &rows)?;
        }
    }
    Ok(exit_code(report(&catalog.diagnostics)))
}

fn exit_code(had_errors: bool) -> ExitCode {
    if had_errors {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn first_source(app: &Application) -> (String, String, String) {
    match app.spec.all_sources().first() {
        Some(src) => (
            src.repo_url.clone(),
            src.path
                .clone()
                .or_else(|| src.chart.clone())
                .unwrap_or_default(),
            src.revision().to_owned(),
        ),
        None => Default::default(),
    }
}

fn cluster_of(app: &Application) -> String {
    app.spec
        .destination
        .as_ref()
        .and_then(|d| d.name.clone().or_else(|| d.server.clone()))
        .unwrap_or_default()
}

fn sync_policy(app: &Application) -> &'static str {
    match app.spec.sync_policy.as_ref() {
        Some(policy) if policy.is_automated() => {
            if policy.automated.as_ref().is_some_and(|a| a.prune) {
                "Auto-Prune"
            } else {
                "Auto"
            }
        }
        _ => "Manual",
    }
}

fn self_heal(app: &Application) -> bool {
    app.spec
        .sync_policy
        .as_ref()
        .filter(|p| p.is_automated())
        .and_then(|p| p.automated.as_ref())
        .is_some_and(|a| a.self_heal)
}

fn app_row(entry: &CatalogApp, wide: bool) -> Vec<String> {
    let app = &entry.app;
    let (repo, path, revision) = first_source(app);
    let namespace = app
        .spec
        .destination
        .as_ref()
        .map(|d| d.namespace_or_empty().to_owned())
        .unwrap_or_default();
    let mut row = vec![
        app.metadata.name.clone(),
        app.spec.project_or_default().to_owned(),
        repo,
        path,
        revision,
        cluster_of(app),
        namespace,
        sync_policy(app).to_owned(),
    ];
    if wide {
        row.push(self_heal(app).to_string());
        row.push(entry.parent.clone().unwrap_or_default());
        row.push(entry.file.clone());
    }
    row
}

fn app_summary(entry: &CatalogApp) -> serde_json::Value {
    let app = &entry.app;
    let (repo, path, revision) = first_source(app);
    json!({
        "name": app.metadata.name,
        "project": app.spec.project_or_default(),
        "repo": repo,
        "path": path,
        "revision": revision,
        "destination": app.spec.destination,
        "syncPolicy": sync_policy(app),
        "selfHeal": self_heal(app),
        "parent": entry.parent,
        "file": entry.file,
    })
}

fn manifests(ctx: &Context, args: &ManifestsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let catalog = load_catalog(ctx)?;
    let Some(entry) = catalog
        .apps
        .iter()
        .find(|a| a.app.metadata.name == args.name)
    else {
        report(&catalog.diagnostics);
        bail!("application '{}' not found", args.name);
    };
    let rendered = ctx
        .workspace
        .render_app(&entry.app, args.hard_refresh)
        .map_err(|e| eyre!("{e}"))?;
    match args.output {
        OutputFormat::Json => {
            let objects: Vec<_> = rendered.objects.iter().map(|r| &r.object).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&objects)?)?;
        }
        _ => {
            for rendered_object in rendered.objects.iter() {
                writeln!(out, "---")?;
                writeln!(out, "# Source: {}", rendered_object.source_file)?;
                write!(out, "{}", serde_yaml::to_string(&rendered_object.object)?)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
