//! `plumb appset ...`: the ApplicationSets under the root and the
//! Applications they generate, and the clusters the cluster generator sees
//! (the kubeconfig's contexts labelled from settings, the local in-cluster
//! and Argo CD cluster Secrets under the root).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail};
use kube::config::Kubeconfig;
use serde_json::json;

use super::OutputFormat;
use super::context::Context;
use super::table::write_table;
use crate::cluster::kubeconfig_files;
use crate::config::Settings;
use crate::engine::appset::{Expansion, describe_generators, known_clusters, kubeconfig_contexts};
use crate::source::discovery::Catalog;
use crate::source::workspace::Workspace;

#[derive(Debug, Subcommand)]
pub enum AppsetCommand {
    /// List ApplicationSets: name, generators, apps generated, conditions.
    List(ListArgs),
    /// Print the Applications an ApplicationSet generates (conditions on stderr).
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The ApplicationSet's name.
    pub name: String,
    /// Output format (yaml or json).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
}

pub fn run(ctx: &Context, command: &AppsetCommand, out: &mut dyn Write) -> Result<ExitCode> {
    let catalog = ctx.workspace.catalog(&ctx.root)?;
    match command {
        AppsetCommand::List(args) => list(&catalog, args, out),
        AppsetCommand::Generate(args) => generate(&catalog, args, out),
    }
}

/// Gives the workspace the clusters the cluster generator sees: one per
/// kubeconfig context (read without connecting), labelled from settings.
/// Returns warnings about unreadable kubeconfig files and settings that
/// name no cluster.
pub fn install_clusters(workspace: &Workspace, settings: &Settings) -> Vec<String> {
    let (kubeconfig, mut warnings) = read_kubeconfig(&kubeconfig_files());
    let contexts = kubeconfig
        .as_ref()
        .map(kubeconfig_contexts)
        .unwrap_or_default();
    let (clusters, unknown) = known_clusters(&contexts, &settings.clusters);
    warnings.extend(unknown);
    workspace.set_clusters(clusters);
    warnings
}

/// The existing files merged; a file that cannot be read is left out with
/// a warning.
fn read_kubeconfig(files: &[PathBuf]) -> (Option<Kubeconfig>, Vec<String>) {
    let mut merged: Option<Kubeconfig> = None;
    let mut warnings = Vec::new();
    for path in files.iter().filter(|p| p.exists()) {
        let read = Kubeconfig::read_from(path).and_then(|file| match merged.take() {
            Some(m) => m.merge(file),
            None => Ok(file),
        });
        match read {
            Ok(kubeconfig) => merged = Some(kubeconfig),
            Err(e) => warnings.push(format!(
                "{}: cannot read the kubeconfig for the cluster generator: {e}",
                path.display()
            )),
        }
    }
    (merged, warnings)
}

fn condition_summary(expansion: &Expansion) -> String {
    let problems: Vec<String> = expansion
        .conditions
        .iter()
        .filter(|c| c.is_error() || (c.status == "False" && c.type_ != "ErrorOccurred"))
        .map(|c| format!("{}: {}", c.reason, c.message))
        .collect();
    match problems.first() {
        Some(first) => first.clone(),
        None => "ResourcesUpToDate".to_owned(),
    }
}

fn list(catalog: &Catalog, args: &ListArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let summaries: Vec<_> = catalog
        .appsets
        .iter()
        .map(|entry| {
            let expansion = &entry.expansion;
            json!({
                "name": entry.appset.metadata.name,
                "file": entry.file,
                "generators": describe_generators(&entry.appset),
                "apps": expansion.apps.iter().map(|g| &g.app.metadata.name).collect::<Vec<_>>(),
                "conditions": expansion.conditions,
            })
        })
        .collect();
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&summaries)?)?,
        OutputFormat::Yaml => write!(out, "{}", serde_yaml::to_string(&summaries)?)?,
        OutputFormat::Table | OutputFormat::Wide => {
            let mut header = vec!["NAME", "GENERATORS", "APPS", "CONDITION"];
            if args.output == OutputFormat::Wide {
                header.push("FILE");
            }
            let rows: Vec<Vec<String>> = catalog
                .appsets
                .iter()
                .map(|entry| {
                    let expansion = &entry.expansion;
                    let mut row = vec![
                        entry.appset.metadata.name.clone(),
                        describe_generators(&entry.appset).join(","),
                        expansion.apps.len().to_string(),
                        condition_summary(expansion),
                    ];
                    if args.output == OutputFormat::Wide {
                        row.push(entry.file.clone());
                    }
                    row
                })
                .collect();
            write_table(out, &header, &rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn generate(catalog: &Catalog, args: &GenerateArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let Some(entry) = catalog.appset(&args.name) else {
        bail!("ApplicationSet '{}' not found", args.name);
    };
    let expansion = &entry.expansion;
    let apps: Vec<_> = expansion.apps.iter().map(|g| &g.app).collect();
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&apps)?)?,
        _ => {
            for app in apps {
                writeln!(out, "---")?;
                write!(out, "{}", serde_yaml::to_string(app)?)?;
            }
        }
    }
    let mut printed: Vec<&str> = Vec::new();
    for condition in &expansion.conditions {
        let problem = condition.is_error()
            || (condition.status == "False" && condition.type_ != "ErrorOccurred");
        if problem && !printed.contains(&condition.message.as_str()) {
            printed.push(&condition.message);
            eprintln!(
                "plumb: {} {}: {}: {}",
                condition.type_, condition.status, condition.reason, condition.message
            );
        }
    }
    Ok(if expansion.has_error() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
