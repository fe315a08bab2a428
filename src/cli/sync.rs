//! `plumb app sync | history | freeze | unfreeze | set`: one-shot
//! operations run in this process against the app's destination cluster,
//! with the lock, history and runtime state kept there (engine::store).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, bail, eyre};
use jiff::Timestamp;

use super::background;
use super::get::{Env, load, load_as};
use crate::cluster::{ClusterRef, Clusters, local_holder};
use crate::engine::actions::{app_at, prepare_sync};
use crate::engine::compare::SyncStatus;
use crate::engine::health::HealthStatus;
use crate::engine::runtime::{Runner, kubectl_name, run_operation, sync_resources};
use crate::engine::snapshot::SyncCommand;
use crate::engine::store::{FreezeRecord, Store};
use crate::engine::sync::{InitiatedBy, OperationPhase, Plan, PlanAction, SyncOperation};
use crate::model::{Application, ResourceKey};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The application's name.
    pub name: String,
    /// Delete live objects no longer in Git.
    #[arg(long)]
    pub prune: bool,
    /// Validate only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Sync only these resources (GROUP:KIND:NAME; repeatable).
    #[arg(long = "resource", value_name = "GROUP:KIND:NAME")]
    pub resources: Vec<String>,
    /// Replace or delete-and-recreate objects that cannot be patched.
    #[arg(long)]
    pub force: bool,
    /// Sync to this revision (commit, branch or tag) instead of the app's.
    #[arg(long, value_name = "R")]
    pub revision: Option<String>,
    /// Start the operation in the background and return once it runs.
    #[arg(long = "async")]
    pub background: bool,
}

#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// The application's name.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<String>,
    /// Every application on the cluster of the first app (or the only cluster).
    #[arg(long)]
    pub all: bool,
    /// Why (shown everywhere the freeze is).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct UnfreezeArgs {
    /// The application's name.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<String>,
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct TerminateArgs {
    /// The application's name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The application's name.
    pub name: String,
    /// Wait until the app is Healthy.
    #[arg(long)]
    pub health: bool,
    /// Wait until the app is Synced.
    #[arg(long)]
    pub sync: bool,
    /// Give up after this many seconds (exit 1).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The application's name.
    pub name: String,
    /// Automated sync, overriding Git at runtime.
    #[arg(long, value_enum)]
    pub auto_sync: Option<Switch>,
    /// Self-heal, overriding Git at runtime.
    #[arg(long, value_enum)]
    pub self_heal: Option<Switch>,
}

/// The app's destination cluster and runtime store.
pub(super) async fn destination(
    env: &Env<'_, Clusters>,
    name: &str,
) -> Result<(Application, ClusterRef)> {
    let catalog = env.workspace.catalog(env.root)?;
    let Some(entry) = catalog.app(name) else {
        bail!("application '{name}' not found");
    };
    let app = entry.app.clone();
    let cluster = env
        .clusters
        .resolve(&app.spec.destination.clone().unwrap_or_default())
        .map_err(|e| eyre!("application '{name}': {e}"))?;
    Ok((app, cluster))
}

pub async fn sync(
    env: &Env<'_, Clusters>,
    args: &SyncArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let loaded = match &args.revision {
        Some(revision) => load_as(env, &args.name, false, |app| app_at(app, &[], revision)).await?,
        None => load(env, &args.name, false).await?,
    };
    let (_, cluster) = destination(env, &args.name).await?;
    let keys: Vec<ResourceKey> = sync_resources(&loaded.comparison)
        .into_iter()
        .map(|r| r.key)
        .collect();
    let command = SyncCommand {
        prune: args.prune,
        dry_run: args.dry_run,
        force: args.force,
        revision: args.revision.clone(),
        resources: select(&keys, &args.resources)?.unwrap_or_default(),
        ..SyncCommand::default()
    };
    let holder = local_holder();
    let initiated_by = InitiatedBy {
        username: holder.clone(),
        automated: false,
    };
    let started = Timestamp::now();
    let op = prepare_sync(
        &loaded.app,
        &loaded.project,
        &loaded.comparison,
        &command,
        initiated_by,
        started,
    )?;
    print_plan(&op.plan(), out)?;
    out.flush()?;
    if let Some(origin) = loaded.origin.as_ref().filter(|_| !args.dry_run) {
        Store::new(cluster.clone())
            .record_generated(&args.name, &loaded.generated, origin)
            .await?;
    }
    if args.background {
        return background::start(&args.name, Store::new(cluster), started, out).await;
    }
    execute(env, cluster, &loaded.app, op, out).await
}

/// Runs `op` under the app's lease, printing each task result as it lands
/// and the outcome; exit 0 only when it succeeded.
pub(super) async fn execute(
    env: &Env<'_, Clusters>,
    cluster: ClusterRef,
    app: &Application,
    op: SyncOperation,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let holder = local_holder();
    let runner = Runner::new(cluster.clone(), Arc::new(env.settings.health.clone()));
    let store = Store::new(cluster);
    let never = AtomicBool::new(false);
    let mut reported = BTreeSet::new();
    let mut write_error = None;
    let finished = run_operation(
        &runner,
        &store,
        op,
        &holder,
        app.spec.history_limit(),
        &never,
        |current| {
            for line in new_results(current, &mut reported) {
                if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                    write_error.get_or_insert(e);
                }
            }
        },
    )
    .await?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    writeln!(
        out,
        "Operation {}: {}",
        finished.phase().as_str(),
        finished.message()
    )?;
    Ok(if finished.phase() == OperationPhase::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--resource GROUP:KIND:NAME` matched against the app's resources.
fn select(known: &[ResourceKey], wanted: &[String]) -> Result<Option<Vec<ResourceKey>>> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut chosen = Vec::new();
    for spec in wanted {
        let [group, kind, name] = spec.splitn(3, ':').collect::<Vec<_>>()[..] else {
            bail!("--resource {spec}: expected GROUP:KIND:NAME (GROUP empty for core kinds)");
        };
        let (namespace, name) = name
            .split_once('/')
            .map_or((None, name), |(n, m)| (Some(n), m));
        let matches: Vec<&ResourceKey> = known
            .iter()
            .filter(|k| k.group == group && k.kind == kind && k.name == name)
            .filter(|k| namespace.is_none_or(|ns| k.namespace == ns))
            .collect();
        if matches.is_empty() {
            bail!("--resource {spec}: the application has no such resource");
        }
        chosen.extend(matches.into_iter().cloned());
    }
    Ok(Some(chosen))
}

pub(super) fn print_plan(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", plan.summary())?;
    for group in &plan.groups {
        writeln!(out, "{} wave {}:", group.phase.as_str(), group.wave)?;
        for item in &group.items {
            let action = match &item.action {
                PlanAction::Create => "create".to_owned(),
                PlanAction::Update => "update".to_owned(),
                PlanAction::Unchanged => "noop".to_owned(),
                PlanAction::Skip => "skip (in sync)".to_owned(),
                PlanAction::Prune => "delete".to_owned(),
                PlanAction::PruneNeedsConfirmation => "delete (needs confirmation)".to_owned(),
                PlanAction::PruneSkipped(why) => format!("keep ({why})"),
                PlanAction::Hook => "hook".to_owned(),
                PlanAction::Invalid(why) => format!("refused: {why}"),
            };
            writeln!(out, "  {action:<8} {}", kubectl_name(&item.key))?;
        }
    }
    if plan.hooks_skipped {
        writeln!(out, "(hooks skipped)")?;
    }
    Ok(())
}

/// One line per task result not reported before.
fn new_results(op: &SyncOperation, reported: &mut BTreeSet<String>) -> Vec<String> {
    let mut lines = Vec::new();
    for task in &op.tasks {
        if task.result.is_none() || task.message.is_empty() {
            continue;
        }
        let line = format!(
            "{} wave {}: {}",
            task.phase.as_str(),
            task.wave,
            task.message
        );
        if reported.insert(line.clone()) {
            lines.push(line);
        }
    }
    lines
}

pub async fn terminate(
    env: &Env<'_, Clusters>,
    args: &TerminateArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (_, cluster) = destination(env, &args.name).await?;
    let Some(op) = Store::new(cluster)
        .request_termination(&args.name, &local_holder())
        .await?
    else {
        bail!("no operation is running for application {}", args.name);
    };
    writeln!(
        out,
        "asked the operation of {} (started by {} at {}) to terminate",
        args.name,
        op.request.initiated_by.username,
        op.started_at()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Polls the app's comparison until it is Synced and/or Healthy (both when
/// neither flag is given).
pub async fn wait(
    env: &Env<'_, Clusters>,
    args: &WaitArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (want_sync, want_health) = match (args.sync, args.health) {
        (false, false) => (true, true),
        flags => flags,
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(args.timeout);
    loop {
        let loaded = load(env, &args.name, false).await?;
        let sync = loaded.comparison.sync;
        let health = &loaded.comparison.health;
        let synced = !want_sync || sync == SyncStatus::Synced;
        let healthy = !want_health || health.status == HealthStatus::Healthy;
        if synced && healthy {
            writeln!(
                out,
                "{}: {} and {}",
                args.name,
                sync.as_str(),
                health.status.as_str()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "timed out after {} s waiting for {}: it is {} and {} {}",
                args.timeout,
                args.name,
                sync.as_str(),
                health.status.as_str(),
                health.message
            );
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

/// How often `app wait` compares again.
const WAIT_POLL: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn freeze(
    env: &Env<'_, Clusters>,
    name: Option<&str>,
    reason: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let record = reason.map(|reason| FreezeRecord {
        reason: reason.to_owned(),
        by: local_holder(),
        since: Timestamp::now(),
    });
    match name {
        Some(name) => {
            let (_, cluster) = destination(env, name).await?;
            Store::new(cluster)
                .update(name, |state| state.freeze = record.clone())
                .await?;
        }
        None => {
            for cluster in env.clusters.all() {
                Store::new(cluster.clone())
                    .set_global_freeze(record.clone())
                    .await?;
            }
        }
    }
    let target = name.map_or("all applications".to_owned(), |n| {
        format!("application {n}")
    });
    match reason {
        Some(reason) => writeln!(out, "froze {target}: {reason}")?,
        None => writeln!(out, "unfroze {target}")?,
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn set(env: &Env<'_, Clusters>, args: &SetArgs, out: &mut dyn Write) -> Result<ExitCode> {
    if args.auto_sync.is_none() && args.self_heal.is_none() {
        bail!("nothing to set: give --auto-sync on|off and/or --self-heal on|off");
    }
    let (_, cluster) = destination(env, &args.name).await?;
    let state = Store::new(cluster)
        .update(&args.name, |state| {
            if let Some(on) = args.auto_sync {
                state.autosync.auto_sync = Some(on == Switch::On);
                state.autosync.paused_reason =
                    (on == Switch::Off).then(|| format!("switched off by {}", local_holder()));
            }
            if let Some(on) = args.self_heal {
                state.autosync.self_heal = Some(on == Switch::On);
            }
        })
        .await?;
    let show = |v: Option<bool>| match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "as in Git",
    };
    writeln!(
        out,
        "{}: auto-sync {}, self-heal {}",
        args.name,
        show(state.autosync.auto_sync),
        show(state.autosync.self_heal)
    )?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_selection_matches_group_kind_and_name() {
        let known = vec![
            ResourceKey::new("apps", "Deployment", "shop", "web"),
            ResourceKey::new("", "Service", "shop", "web"),
        ];
        let chosen = select(&known, &["apps:Deployment:web".into()]).unwrap();
        assert_eq!(chosen, Some(vec![known[0].clone()]));
        let core = select(&known, &[":Service:shop/web".into()]).unwrap();
        assert_eq!(core, Some(vec![known[1].clone()]));
        assert!(select(&known, &["apps:Deployment:api".into()]).is_err());
        assert!(select(&known, &["Deployment".into()]).is_err());
        assert_eq!(select(&known, &[]).unwrap(), None);
    }
}
