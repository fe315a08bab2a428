//! One sync operation from start to history: take the app's lease, end an
//! operation a dead plumb left behind, run, persist each step, record the
//! result, release the lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;

use super::runner::Runner;
use crate::cluster::{LockError, lease_duration, process_identity};
use crate::engine::compare::{AppComparison, SyncStatus};
use crate::engine::store::{Store, StoreError};
use crate::engine::sync::{Resource, SyncOperation, SyncRequest};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OperationError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot store the operation: {0}")]
    Store(#[from] StoreError),
}

/// Runs `op` on `runner`'s cluster as `holder` (`user@host`), keeping its
/// state in `store`; history keeps at most `history_limit` entries.
/// `progress` sees the operation after every step.
pub async fn run_operation(
    runner: &Runner,
    store: &Store,
    mut op: SyncOperation,
    holder: &str,
    history_limit: usize,
    terminate: &AtomicBool,
    mut progress: impl FnMut(&SyncOperation),
) -> Result<SyncOperation, OperationError> {
    let app = op.app_name.clone();
    let identity = process_identity(holder);
    store
        .recover_interrupted(&app, &identity, history_limit)
        .await?;
    let lease = runner
        .cluster()
        .acquire_lease(&app, &identity, lease_duration())
        .await?;
    let result = async {
        store.begin_operation(&app, &op).await?;
        let remote_stop = Arc::new(AtomicBool::new(false));
        let stop_watcher = tokio::spawn(watch_termination(
            store.clone(),
            app.clone(),
            remote_stop.clone(),
        ));
        // Steps are saved in the background, the latest state winning, so
        // a slow store never holds the operation up.
        let (steps_tx, mut steps_rx) = tokio::sync::watch::channel(op.clone());
        let saver = {
            let (store, app) = (store.clone(), app.clone());
            tokio::spawn(async move {
                while steps_rx.changed().await.is_ok() {
                    let current = steps_rx.borrow_and_update().clone();
                    if let Err(error) = store.save_operation(&app, &current).await {
                        tracing::warn!(%app, %error, "cannot save the operation's progress");
                    }
                }
            })
        };
        runner
            .run(&mut op, &remote_stop, |current| {
                if terminate.load(Ordering::Relaxed) {
                    remote_stop.store(true, Ordering::Relaxed);
                }
                progress(current);
                steps_tx.send_replace(current.clone());
            })
            .await;
        stop_watcher.abort();
        drop(steps_tx);
        if let Err(error) = saver.await {
            tracing::warn!(%app, %error, "the progress saver stopped");
        }
        if op.finished_at.is_none() {
            op.finished_at = Some(Timestamp::now());
        }
        store.finish_operation(&app, &op, history_limit).await?;
        Ok(op)
    }
    .await;
    if let Err(error) = lease.release().await {
        tracing::warn!(%app, %error, "cannot release the operation lease; it expires by itself");
    }
    result
}

/// How often a running operation looks for a termination request.
const TERMINATION_POLL: Duration = Duration::from_secs(1);

/// Sets `stop` once the store holds a termination request for `app`.
async fn watch_termination(store: Store, app: String, stop: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(TERMINATION_POLL).await;
        match store.load(&app).await {
            Ok(state) if state.terminate.is_some() => {
                stop.store(true, Ordering::Relaxed);
                return;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%app, %error, "cannot look for a termination request"),
        }
    }
}

/// Whether a sync asking for `CreateNamespace` gets its namespace task: as
/// in Argo CD, only when the destination namespace is missing or its
/// managed metadata (`managedNamespaceMetadata`) is to be applied.
pub fn needs_namespace_task(request: &SyncRequest, comparison: &AppComparison) -> bool {
    request.options.create_namespace
        && (!comparison.namespace_live || request.managed_namespace_metadata.is_some())
}

/// The resources a sync works on, from a comparison: every desired object
/// (hooks included; the operation classifies them) and every prune candidate.
pub fn sync_resources(comparison: &AppComparison) -> Vec<Resource> {
    comparison
        .resources
        .iter()
        .chain(&comparison.pending_hooks)
        .filter(|r| r.desired.is_some() || r.live.is_some())
        .map(|r| Resource {
            key: r.key.clone(),
            target: r.desired.clone(),
            live: r.live.as_deref().cloned(),
            modified: r.status != Some(SyncStatus::Synced),
            requires_pruning: r.requires_pruning,
            permitted: Ok(()),
        })
        .collect()
}
