//! `plumb app resources NAME [--tree] [--orphaned]`: the app's resources,
//! as a table, a tree of live children, or its orphaned objects.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::Result;

use super::OutputFormat;
use super::get::{Env, load};
use super::live_source::LiveSources;
use super::table::write_table;
use crate::engine::tree::TreeNode;

#[derive(Debug, Args)]
pub struct ResourcesArgs {
    /// The application's name.
    pub name: String,
    /// Show each resource's live children (ReplicaSets, Pods, Jobs, ...).
    #[arg(long, conflicts_with = "orphaned")]
    pub tree: bool,
    /// Show the orphaned objects of the destination namespace instead
    /// (the project must set `orphanedResources`).
    #[arg(long)]
    pub orphaned: bool,
    /// Output format (table, json or yaml).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub async fn run<S: LiveSources>(
    env: &Env<'_, S>,
    args: &ResourcesArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let loaded = load(env, &args.name, false).await?;
    let comparison = &loaded.comparison;
    let data = if args.orphaned {
        serde_json::to_value(&comparison.orphaned)?
    } else if args.tree {
        serde_json::to_value(&comparison.tree)?
    } else {
        serde_json::to_value(&comparison.resources)?
    };
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&data)?)?,
        OutputFormat::Yaml => write!(out, "{}", serde_yaml::to_string(&data)?)?,
        OutputFormat::Table | OutputFormat::Wide if args.orphaned => {
            let rows: Vec<Vec<String>> = comparison
                .orphaned
                .iter()
                .map(|k| {
                    vec![
                        k.group.clone(),
                        k.kind.clone(),
                        k.namespace.clone(),
                        k.name.clone(),
                    ]
                })
                .collect();
            write_table(out, &["GROUP", "KIND", "NAMESPACE", "NAME"], &rows)?;
        }
        OutputFormat::Table | OutputFormat::Wide if args.tree => {
            write_table(out, &HEADER, &tree_rows(&comparison.tree))?;
        }
        OutputFormat::Table | OutputFormat::Wide => {
            let rows: Vec<Vec<String>> = comparison
                .resources
                .iter()
                .map(|r| {
                    vec![
                        r.key.group.clone(),
                        r.key.kind.clone(),
                        r.key.namespace.clone(),
                        r.key.name.clone(),
                        r.status.map(|s| s.to_string()).unwrap_or_default(),
                        r.health
                            .as_ref()
                            .map(|h| h.status.to_string())
                            .unwrap_or_default(),
                        r.health
                            .as_ref()
                            .map(|h| h.message.clone())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            write_table(out, &HEADER, &rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

const HEADER: [&str; 7] = [
    "GROUP",
    "KIND",
    "NAMESPACE",
    "NAME",
    "STATUS",
    "HEALTH",
    "MESSAGE",
];

/// Rows with the kind indented under its parent (`├─ReplicaSet`, `└─Pod`).
fn tree_rows(roots: &[TreeNode]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for root in roots {
        push_rows(root, "", None, &mut rows);
    }
    rows
}

fn push_rows(node: &TreeNode, indent: &str, last: Option<bool>, rows: &mut Vec<Vec<String>>) {
    let branch = match last {
        None => "",
        Some(true) => "└─",
        Some(false) => "├─",
    };
    rows.push(vec![
        node.key.group.clone(),
        format!("{indent}{branch}{}", node.key.kind),
        node.key.namespace.clone(),
        node.key.name.clone(),
        node.status.map(|s| s.to_string()).unwrap_or_default(),
        node.health
            .as_ref()
            .map(|h| h.status.to_string())
            .unwrap_or_default(),
        node.health
            .as_ref()
            .map(|h| h.message.clone())
            .unwrap_or_default(),
    ]);
    let child_indent = match last {
        None => String::new(),
        Some(true) => format!("{indent}  "),
        Some(false) => format!("{indent}│ "),
    };
    for (at, child) in node.children.iter().enumerate() {
        push_rows(
            child,
            &child_indent,
            Some(at + 1 == node.children.len()),
            rows,
        );
    }
}
