//! Rollback (§8.5) as an operation: the history entry to return to, and
//! the sync of its revision with the apply strategy (no hooks), behind the
//! same project and window gates as a manual sync.

use jiff::Timestamp;

use super::{SyncRefused, gate, permitted_resources};
use crate::engine::compare::AppComparison;
use crate::engine::store::AutoSyncOverride;
use crate::engine::sync::{
    HistoryEntry, RollbackError, RollbackParams, SyncOperation, rollback_request, rollback_targets,
};
use crate::model::{AppProject, Application, Automated};

/// The entry a rollback of `app` returns to: `id`, or the deployment
/// before the current one. Only succeeded entries are targets.
pub fn rollback_entry<'a>(
    app: &str,
    history: &'a [HistoryEntry],
    id: Option<i64>,
) -> Result<&'a HistoryEntry, SyncRefused> {
    let targets = rollback_targets(history);
    let refused = |error| SyncRefused::Rollback {
        app: app.to_owned(),
        error,
    };
    match id {
        Some(id) => targets.into_iter().find(|e| e.id == id).ok_or_else(|| {
            refused(RollbackError::UnknownId {
                app: app.into(),
                id,
            })
        }),
        None => match targets.len() {
            n if n >= 2 => Ok(targets[n - 2]),
            _ => Err(refused(RollbackError::NoPreviousDeployment {
                app: app.into(),
            })),
        },
    }
}

/// The rollback operation of `app` (as Argo CD, with the apply strategy:
/// hooks do not run). `comparison_at_entry` compares the live state with
/// the entry's revision (render [`super::app_at`]); `app` carries the runtime
/// overrides ([`with_overrides`]) so a paused auto-sync counts as off.
/// Refused while automated sync is on unless `params.disable_auto_sync`,
/// and by the project and window gates of a manual sync.
pub fn prepare_rollback(
    app: &Application,
    project: &AppProject,
    history: &[HistoryEntry],
    params: RollbackParams,
    comparison_at_entry: &AppComparison,
    now: Timestamp,
) -> Result<SyncOperation, SyncRefused> {
    let name = &app.metadata.name;
    let entry = rollback_entry(name, history, params.id)?;
    let params = RollbackParams {
        id: Some(entry.id),
        ..params
    };
    let request =
        rollback_request(app, history, params).map_err(|error| SyncRefused::Rollback {
            app: name.clone(),
            error,
        })?;
    let resources = permitted_resources(app, project, comparison_at_entry);
    gate(
        app,
        project,
        comparison_at_entry,
        &request.sources,
        &resources.iter().collect::<Vec<_>>(),
        now,
    )?;
    Ok(super::start_operation(
        app,
        comparison_at_entry,
        request,
        resources,
    ))
}

/// `app` with the runtime switches stored beside its history applied:
/// `auto_sync: Some(false)` turns automated sync off whatever Git says,
/// `Some(true)` turns it on; `self_heal` likewise.
pub fn with_overrides(app: &Application, overrides: &AutoSyncOverride) -> Application {
    let mut effective = app.clone();
    if overrides.auto_sync.is_none() && overrides.self_heal.is_none() {
        return effective;
    }
    let policy = effective
        .spec
        .sync_policy
        .get_or_insert_with(Default::default);
    if let Some(on) = overrides.auto_sync {
        match (&mut policy.automated, on) {
            (Some(automated), on) => automated.enabled = Some(on),
            (None, true) => policy.automated = Some(Automated::default()),
            (None, false) => {}
        }
    }
    if let (Some(heal), Some(automated)) = (overrides.self_heal, policy.automated.as_mut()) {
        automated.self_heal = heal;
    }
    effective
}
