//! `plumb app history | rollback`: the deployments stored in the app's
//! cluster (with each commit's author and subject when the mirror has it),
//! and a rollback to one of them: preview diff, confirmation, operation.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::{Result, bail};
use jiff::Timestamp;

use super::diff::print_section;
use super::get::{Env, Loaded, load_as};
use super::sync::{destination, execute, print_plan};
use super::table::write_table;
use crate::cluster::{Clusters, local_holder, process_identity};
use crate::engine::actions::{app_at, prepare_rollback, rollback_entry, with_overrides};
use crate::engine::compare::SyncStatus;
use crate::engine::store::Store;
use crate::engine::sync::{HistoryEntry, InitiatedBy, RollbackParams};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The application's name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The application's name.
    pub name: String,
    /// The history id to return to (default: the deployment before the current one).
    pub id: Option<i64>,
    /// Switch automated sync off (stored beside the history) as part of the rollback.
    #[arg(long)]
    pub disable_auto_sync: bool,
    /// Delete live objects the entry's revision does not have.
    #[arg(long)]
    pub prune: bool,
    /// Show the preview and validate; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn history(
    env: &Env<'_, Clusters>,
    args: &HistoryArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (app, cluster) = destination(env, &args.name).await?;
    let store = Store::new(cluster);
    // An operation whose plumb died is recorded as interrupted once its
    // lease has expired. The holder names this process, so a sync that
    // the same user@host runs elsewhere keeps its live lease.
    let reader = process_identity(&local_holder());
    store
        .recover_interrupted(&args.name, &reader, app.spec.history_limit())
        .await?;
    let state = store.load(&args.name).await?;
    let rows: Vec<Vec<String>> = state
        .history
        .iter()
        .map(|e| {
            let commit = commit_of(env, e);
            vec![
                e.id.to_string(),
                e.deployed_at.to_string(),
                e.revision.chars().take(8).collect(),
                commit.as_ref().map_or(String::new(), |c| c.0.clone()),
                commit.map_or(String::new(), |c| c.1),
                if e.initiated_by.automated {
                    "automated".to_owned()
                } else {
                    e.initiated_by.username.clone()
                },
                e.result.as_str().to_owned(),
                e.message.clone(),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "ID",
            "DATE",
            "REVISION",
            "AUTHOR",
            "SUBJECT",
            "INITIATED-BY",
            "RESULT",
            "MESSAGE",
        ],
        &rows,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The author and subject of an entry's commit (first source's repository).
fn commit_of(env: &Env<'_, Clusters>, entry: &HistoryEntry) -> Option<(String, String)> {
    let source = entry.sources.first()?;
    let info = env
        .workspace
        .commit_info(&source.repo_url, &entry.revision)?;
    Some((info.author_name, info.subject))
}

pub async fn rollback(
    env: &Env<'_, Clusters>,
    args: &RollbackArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let name = &args.name;
    let (_, cluster) = destination(env, name).await?;
    let store = Store::new(cluster.clone());
    let state = store.load(name).await?;
    let entry = rollback_entry(name, &state.history, args.id)?.clone();
    let loaded = load_as(env, name, false, |app| {
        app_at(app, &entry.sources, &entry.revision)
    })
    .await?;
    let holder = local_holder();
    let now = Timestamp::now();
    let params = RollbackParams {
        id: Some(entry.id),
        disable_auto_sync: args.disable_auto_sync,
        prune: args.prune,
        dry_run: args.dry_run,
        initiated_by: InitiatedBy {
            username: holder.clone(),
            automated: false,
        },
        started_at: now,
    };
    let effective = with_overrides(&loaded.app, &state.autosync);
    let op = prepare_rollback(
        &effective,
        &loaded.project,
        &state.history,
        params,
        &loaded.comparison,
        now,
    )?;
    let target = describe(env, &entry);
    print_preview(&loaded, &target, out)?;
    print_plan(&op.plan(), out)?;
    out.flush()?;
    if !args.dry_run && !args.yes && !confirm(name, &target, out)? {
        writeln!(out, "Rollback of {name} cancelled.")?;
        return Ok(ExitCode::FAILURE);
    }
    let automated = effective
        .spec
        .sync_policy
        .as_ref()
        .is_some_and(|p| p.is_automated());
    if automated && args.disable_auto_sync && !args.dry_run {
        let reason = format!("rollback to {} by {holder}", entry.id);
        store
            .update(name, |state| {
                state.autosync.auto_sync = Some(false);
                state.autosync.paused_reason = Some(reason.clone());
            })
            .await?;
        writeln!(out, "Automated sync of {name} is off ({reason}).")?;
    }
    execute(env, cluster, &loaded.app, op, out).await
}

/// `3 (4f2a9c1e, Ana: fix the rate limit)`.
fn describe(env: &Env<'_, Clusters>, entry: &HistoryEntry) -> String {
    let short: String = entry.revision.chars().take(8).collect();
    match commit_of(env, entry) {
        Some((author, subject)) => format!("{} ({short}, {author}: {subject})", entry.id),
        None => format!("{} ({short})", entry.id),
    }
}

/// What the rollback would change: the diff of every resource that differs
/// from the entry's revision, printed as `plumb app diff` does.
fn print_preview(loaded: &Loaded, target: &str, out: &mut dyn Write) -> Result<()> {
    let name = &loaded.app.metadata.name;
    let differing: Vec<_> = loaded
        .comparison
        .resources
        .iter()
        .filter(|r| r.status == Some(SyncStatus::OutOfSync))
        .collect();
    writeln!(
        out,
        "Rollback of {name} to {target}: {} resource(s) would change.",
        differing.len()
    )?;
    writeln!(out)?;
    for resource in differing {
        print_section(loaded, resource, out)?;
    }
    Ok(())
}

/// Asks on the terminal; without one the rollback needs `--yes`.
fn confirm(name: &str, target: &str, out: &mut dyn Write) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "not rolling back {name} without confirmation: stdin is not a terminal (pass --yes to confirm, or --dry-run to preview only)"
        );
    }
    write!(out, "Roll back {name} to {target}? [y/N] ")?;
    out.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
