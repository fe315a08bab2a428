//! Rollback (§8.5): a sync of an earlier history entry with the apply
//! strategy (no hooks). The spec is left unchanged.

use jiff::Timestamp;

use super::history::{HistoryEntry, rollback_targets};
use super::request::{InitiatedBy, Strategy, SyncRequest};
use crate::engine::policy::SyncOptions;
use crate::model::Application;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    #[error("application is deleting")]
    Deleting,
    #[error("rollback cannot be initiated when auto-sync is enabled")]
    AutoSyncEnabled,
    #[error("application {app} does not have deployment with id {id}")]
    UnknownId { app: String, id: i64 },
    #[error("application {app} has no previous deployment to roll back to")]
    NoPreviousDeployment { app: String },
    #[error("deployment {id} of application {app} has no source")]
    NoSource { app: String, id: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RollbackParams {
    /// The history id; `None` = the entry before the current deployment.
    pub id: Option<i64>,
    /// The caller turns automated sync off as part of the rollback.
    pub disable_auto_sync: bool,
    pub prune: bool,
    pub dry_run: bool,
    pub initiated_by: InitiatedBy,
    pub started_at: Timestamp,
}

pub fn rollback_request(
    app: &Application,
    history: &[HistoryEntry],
    params: RollbackParams,
) -> Result<SyncRequest, RollbackError> {
    let name = app.metadata.name.clone();
    if app
        .metadata
        .server_fields
        .get("deletionTimestamp")
        .is_some_and(|t| !t.is_null())
    {
        return Err(RollbackError::Deleting);
    }
    let policy = app.spec.sync_policy.as_ref();
    if policy.is_some_and(|p| p.is_automated()) && !params.disable_auto_sync {
        return Err(RollbackError::AutoSyncEnabled);
    }
    let targets = rollback_targets(history);
    let entry = match params.id {
        Some(id) => *targets
            .iter()
            .find(|e| e.id == id)
            .ok_or(RollbackError::UnknownId {
                app: name.clone(),
                id,
            })?,
        None => {
            let n = targets.len();
            if n < 2 {
                return Err(RollbackError::NoPreviousDeployment { app: name });
            }
            targets[n - 2]
        }
    };
    if entry.sources.is_empty() {
        return Err(RollbackError::NoSource {
            app: name,
            id: entry.id,
        });
    }
    let options = policy.map(|p| p.sync_options.clone()).unwrap_or_default();
    let mut request = SyncRequest::new(&entry.revision, params.started_at);
    request.sources = entry.sources.clone();
    request.prune = params.prune;
    request.dry_run = params.dry_run;
    request.strategy = Strategy::Apply;
    request.options = SyncOptions::parse(&options);
    request.initiated_by = params.initiated_by;
    Ok(request)
}
