//! `plumb app diff NAME [--server-side]`: each drifted resource as a unified
//! diff of desired (Git) against live (cluster), who drifted each field,
//! and the related Events. Exit codes: 0 no diff, 1 diff, 2 error.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;
use serde_json::{Value, json};

use super::get::{Env, Loaded, load};
use super::live_source::LiveSources;
use super::{OutputFormat, print_stderr};
use crate::engine::compare::{ConditionType, ResourceResult, SyncStatus};
use crate::engine::diff::text_diff;
use crate::engine::live::{event_time, uid_of};

/// How long one resource's text diff may take before it is coarsened.
const TEXT_DIFF_DEADLINE: Duration = Duration::from_secs(2);
const CONTEXT_LINES: usize = 3;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The application's name.
    pub name: String,
    /// Compare with what a server-side apply dry run would make of the objects.
    #[arg(long)]
    pub server_side: bool,
    /// Output format (table prints the diff; json or yaml).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub async fn run<S: LiveSources>(
    env: &Env<'_, S>,
    args: &DiffArgs,
    out: &mut dyn Write,
) -> ExitCode {
    match diff(env, args, out).await {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(e) => {
            print_stderr(format_args!("plumb: {e:#}"));
            error_exit()
        }
    }
}

/// The exit code of a diff that could not be made.
pub fn error_exit() -> ExitCode {
    ExitCode::from(2)
}

/// True when something differs.
async fn diff<S: LiveSources>(
    env: &Env<'_, S>,
    args: &DiffArgs,
    out: &mut dyn Write,
) -> Result<bool> {
    let loaded = load(env, &args.name, args.server_side).await?;
    let errors: Vec<&str> = loaded
        .comparison
        .conditions
        .iter()
        .filter(|c| c.kind == ConditionType::ComparisonError)
        .map(|c| c.message.as_str())
        .collect();
    if !errors.is_empty() {
        color_eyre::eyre::bail!("cannot compare '{}': {}", args.name, errors.join("; "));
    }
    let drifted: Vec<&ResourceResult> = loaded
        .comparison
        .resources
        .iter()
        .filter(|r| r.status == Some(SyncStatus::OutOfSync))
        .collect();
    match args.output {
        OutputFormat::Json => {
            let sections: Vec<Value> = drifted.iter().map(|r| section_json(&loaded, r)).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&sections)?)?;
        }
        OutputFormat::Yaml => {
            let sections: Vec<Value> = drifted.iter().map(|r| section_json(&loaded, r)).collect();
            write!(out, "{}", serde_yaml::to_string(&sections)?)?;
        }
        OutputFormat::Table | OutputFormat::Wide => {
            for resource in &drifted {
                print_section(&loaded, resource, out)?;
            }
        }
    }
    Ok(!drifted.is_empty())
}

fn unified(resource: &ResourceResult) -> String {
    resource
        .diff
        .as_ref()
        .map(|d| text_diff(d, TEXT_DIFF_DEADLINE, CONTEXT_LINES).unified)
        .unwrap_or_default()
}

/// `14:02:11 Normal ScalingReplicaSet: Scaled up replica set web-7d4 to 5`
fn events(loaded: &Loaded, resource: &ResourceResult) -> Vec<String> {
    let (Some(live), Some(object)) = (&loaded.live, &resource.live) else {
        return Vec::new();
    };
    let Some(uid) = uid_of(object) else {
        return Vec::new();
    };
    live.events_for(uid)
        .into_iter()
        .map(|event| {
            let text = |field: &str| event.get(field).and_then(Value::as_str).unwrap_or("");
            let time = event_time(event);
            let time = time
                .parse::<jiff::Timestamp>()
                .map(|t| t.strftime("%H:%M:%S").to_string())
                .unwrap_or_else(|_| time.to_owned());
            let message = match text("message") {
                "" => text("note"),
                message => message,
            };
            format!("{time} {} {}: {message}", text("type"), text("reason"))
        })
        .collect()
}

pub(super) fn print_section(
    loaded: &Loaded,
    resource: &ResourceResult,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "===== {} =====", resource.key)?;
    if resource.requires_pruning {
        writeln!(out, "(not in Git: the sync would delete it when pruning)")?;
    }
    write!(out, "{}", unified(resource))?;
    if !resource.blame.is_empty() {
        writeln!(out, "Drift:")?;
        for line in &resource.blame {
            writeln!(out, "  {}", line.text)?;
        }
    }
    let events = events(loaded, resource);
    if !events.is_empty() {
        writeln!(out, "Events:")?;
        for event in events {
            writeln!(out, "  {event}")?;
        }
    }
    writeln!(out)?;
    Ok(())
}

fn section_json(loaded: &Loaded, resource: &ResourceResult) -> Value {
    json!({
        "resource": resource.key,
        "status": resource.status,
        "requiresPruning": resource.requires_pruning,
        "changedPaths": resource.changed_paths,
        "blame": resource.blame,
        "diff": unified(resource),
        "events": events(loaded, resource),
    })
}
