//! `plumb appset ...`: the ApplicationSets under the root and the
//! Applications they generate, with the clusters plumb knows (the local
//! in-cluster and Argo CD cluster Secrets under the root).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail};
use serde_json::json;

use super::OutputFormat;
use super::context::Context;
use super::table::write_table;
use crate::config::Paths;
use crate::engine::appset::{
    ClusterInfo, Expansion, GeneratorContext, describe_generators, expand, parse_cluster_secret,
};
use crate::model::{Manifest, parse_documents};
use crate::source::discovery::{Catalog, CatalogAppSet, manifest_files};
use crate::source::workspace::RootSpec;

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
        AppsetCommand::List(args) => list(ctx, &catalog, args, out),
        AppsetCommand::Generate(args) => generate(ctx, &catalog, args, out),
    }
}

/// Every ApplicationSet of the catalog with its expansion.
pub fn expand_catalog<'a>(
    ctx: &Context,
    catalog: &'a Catalog,
) -> Result<Vec<(&'a CatalogAppSet, Expansion)>> {
    if catalog.appsets.is_empty() {
        return Ok(Vec::new());
    }
    let paths = Paths::discover()?;
    let clusters = known_clusters(ctx, &paths.cache_dir);
    let repo_dir = |url: &str, revision: &str| -> Result<PathBuf, String> {
        let repo = ctx.workspace.repo(url).map_err(|e| e.to_string())?;
        let commit = repo.resolve(revision).map_err(|e| e.to_string())?;
        repo.export(commit, &paths.cache_dir)
            .map_err(|e| e.to_string())
    };
    let generator_ctx = GeneratorContext {
        clusters: &clusters,
        repo_dir: &repo_dir,
    };
    Ok(catalog
        .appsets
        .iter()
        .map(|entry| (entry, expand(&entry.appset, &generator_ctx)))
        .collect())
}

/// The local in-cluster (the sandbox for now) and the clusters declared by
/// Argo CD cluster Secrets under the root.
fn known_clusters(ctx: &Context, cache_dir: &Path) -> Vec<ClusterInfo> {
    let mut clusters = vec![ClusterInfo::in_cluster()];
    let files: Vec<PathBuf> = match &ctx.root {
        RootSpec::File(file) => vec![file.clone()],
        RootSpec::Repo {
            repo,
            revision,
            path,
        } => {
            let checkout = ctx
                .workspace
                .repo(repo)
                .and_then(|r| r.resolve(revision).and_then(|c| r.export(c, cache_dir)));
            match checkout {
                Ok(dir) => manifest_files(&dir, path)
                    .0
                    .into_iter()
                    .map(|f| f.abs)
                    .collect(),
                Err(_) => Vec::new(),
            }
        }
    };
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let (manifests, _) = parse_documents(&file.display().to_string(), &text);
        for (manifest, _) in manifests {
            if let Manifest::Other(object) = manifest
                && let Some(cluster) = parse_cluster_secret(&object)
            {
                clusters.retain(|c| c.server != cluster.server);
                clusters.push(cluster);
            }
        }
    }
    clusters
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

fn list(
    ctx: &Context,
    catalog: &Catalog,
    args: &ListArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let expanded = expand_catalog(ctx, catalog)?;
    let summaries: Vec<_> = expanded
        .iter()
        .map(|(entry, expansion)| {
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
            let rows: Vec<Vec<String>> = expanded
                .iter()
                .map(|(entry, expansion)| {
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

fn generate(
    ctx: &Context,
    catalog: &Catalog,
    args: &GenerateArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let Some(entry) = catalog
        .appsets
        .iter()
        .find(|a| a.appset.metadata.name == args.name)
    else {
        bail!("ApplicationSet '{}' not found", args.name);
    };
    let single = Catalog {
        appsets: vec![entry.clone()],
        ..Catalog::default()
    };
    let expanded = expand_catalog(ctx, &single)?;
    let Some((_, expansion)) = expanded.first() else {
        bail!("ApplicationSet '{}' not found", args.name);
    };
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
