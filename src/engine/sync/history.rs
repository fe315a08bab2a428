//! Deployment history (§8.4). Argo CD records only successful, non-dry-run,
//! non-selective syncs; plumb also keeps failed ones for its own view and
//! marks which entries are Argo-style rollback targets.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::operation::{OperationPhase, SyncOperation};
use super::request::InitiatedBy;
use crate::model::ApplicationSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub revision: String,
    pub sources: Vec<ApplicationSource>,
    pub deployed_at: Timestamp,
    pub deploy_started_at: Timestamp,
    pub initiated_by: InitiatedBy,
    pub result: OperationPhase,
    pub message: String,
    /// An entry Argo CD would record (Succeeded): a rollback target.
    pub rollback_target: bool,
}

/// The id for a new entry: last id + 1, starting at 0.
pub fn next_history_id(entries: &[HistoryEntry]) -> i64 {
    entries.last().map_or(0, |e| e.id + 1)
}

/// The entry for a completed operation; `None` while it runs, and for dry
/// runs and selective syncs.
pub fn history_entry(op: &SyncOperation, id: i64, finished_at: Timestamp) -> Option<HistoryEntry> {
    let phase = op.phase();
    if !phase.is_completed() || op.request.dry_run || op.request.is_selective() {
        return None;
    }
    Some(HistoryEntry {
        id,
        revision: op.request.revision.clone(),
        sources: op.request.sources.clone(),
        deployed_at: finished_at,
        deploy_started_at: op.started_at(),
        initiated_by: op.request.initiated_by.clone(),
        result: phase,
        message: op.message().to_owned(),
        rollback_target: phase == OperationPhase::Succeeded,
    })
}

/// Keeps the last `limit` rollback targets (oldest first) and drops
/// everything older than the oldest kept one; failed entries are capped at
/// `limit` too, the oldest going first.
pub fn trim_history(entries: &mut Vec<HistoryEntry>, limit: usize) {
    if limit == 0 {
        entries.clear();
        return;
    }
    let targets: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].rollback_target)
        .collect();
    if targets.len() > limit {
        entries.drain(..targets[targets.len() - limit]);
    }
    let mut failed = entries.iter().filter(|e| !e.rollback_target).count();
    entries.retain(|e| {
        if !e.rollback_target && failed > limit {
            failed -= 1;
            return false;
        }
        true
    });
}

/// The entries a rollback may target, oldest first.
pub fn rollback_targets(entries: &[HistoryEntry]) -> Vec<&HistoryEntry> {
    entries.iter().filter(|e| e.rollback_target).collect()
}
