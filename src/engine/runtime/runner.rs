//! Performs a [`SyncOperation`]'s effects against one cluster: observe the
//! task objects, step, perform each batch concurrently (at most
//! [`MAX_CONCURRENT_WRITES`] at a time), record the outcomes, repeat.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use jiff::Timestamp;

use crate::cluster::{ClusterError, ClusterRef, WriteOptions};
use crate::engine::health::{HOOK_FINALIZER, HealthConfig, assess};
use crate::engine::sync::{
    ApplyMethod, DeleteReason, Effect, EffectOutcome, Observation, SyncOperation,
    concurrent_batches,
};
use crate::model::ResourceKey;

/// The most writes in flight at once within one kind group.
pub const MAX_CONCURRENT_WRITES: usize = 8;

/// Runs operations on one destination cluster.
#[derive(Clone)]
pub struct Runner {
    cluster: ClusterRef,
    health: Arc<HealthConfig>,
    /// How long to wait for the cluster to move when a step has nothing to do.
    idle_poll: Duration,
}

impl Runner {
    pub fn new(cluster: ClusterRef, health: Arc<HealthConfig>) -> Self {
        Runner {
            cluster,
            health,
            idle_poll: Duration::from_secs(1),
        }
    }

    /// Changes how often an idle operation looks at the cluster again.
    pub fn with_idle_poll(mut self, idle_poll: Duration) -> Self {
        self.idle_poll = idle_poll;
        self
    }

    pub fn cluster(&self) -> &ClusterRef {
        &self.cluster
    }

    /// Drives `op` to its end. `terminate` asks it to stop (the next step
    /// deletes running hooks and ends it); `progress` sees the operation
    /// after every step, to persist and publish it.
    pub async fn run(
        &self,
        op: &mut SyncOperation,
        terminate: &AtomicBool,
        mut progress: impl FnMut(&SyncOperation),
    ) {
        while !op.is_done() {
            if terminate.load(Ordering::Relaxed) {
                op.terminate();
            }
            let observation = match self.observe(op).await {
                Ok(observation) => observation,
                Err(error) => {
                    tracing::warn!(app = %op.app_name, %error, "cannot observe the sync's objects; trying again");
                    tokio::time::sleep(self.idle_poll).await;
                    continue;
                }
            };
            let effects = op.step(&observation);
            progress(op);
            if effects.is_empty() {
                if !op.is_done() {
                    tokio::time::sleep(self.idle_poll).await;
                }
                continue;
            }
            for batch in concurrent_batches(&effects) {
                // Futures built first (not in a stream closure) so the
                // whole run stays Send for tokio::spawn.
                let writes: Vec<_> = batch
                    .iter()
                    .map(|effect| self.perform(effect, &observation))
                    .collect();
                let outcomes: Vec<Option<EffectOutcome>> = stream::iter(writes)
                    .buffered(MAX_CONCURRENT_WRITES)
                    .collect()
                    .await;
                for outcome in outcomes.into_iter().flatten() {
                    op.record(outcome);
                }
            }
            progress(op);
        }
    }

    /// Every task object as it is now, with its health.
    pub async fn observe(&self, op: &SyncOperation) -> Result<Observation, ClusterError> {
        let keys: Vec<ResourceKey> = op.task_keys().into_iter().collect();
        let reads: Vec<_> = keys
            .into_iter()
            .map(|key| async move {
                let live = self.cluster.get(&key).await?;
                Ok::<_, ClusterError>((key, live))
            })
            .collect();
        let found: Vec<(ResourceKey, Option<serde_json::Value>)> = stream::iter(reads)
            .buffered(MAX_CONCURRENT_WRITES)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let mut observation = Observation::at(Timestamp::now());
        for (key, live) in found {
            if let Some(live) = live {
                let health = assess(&live, &self.health);
                observation = observation.with(key, live, health);
            }
        }
        Ok(observation)
    }

    /// Performs one effect; `None` for a wait, which has no outcome.
    pub async fn perform(&self, effect: &Effect, before: &Observation) -> Option<EffectOutcome> {
        let key = match effect {
            Effect::Wait { seconds } => {
                tokio::time::sleep(Duration::from_secs(*seconds)).await;
                return None;
            }
            other => other.key()?.clone(),
        };
        let result = match effect {
            Effect::Apply {
                object,
                method,
                dry_run,
                skip_if_kind_unknown,
                server_side,
                force,
                ..
            } => {
                let write = Write {
                    method: *method,
                    dry_run: *dry_run,
                    skip_if_kind_unknown: *skip_if_kind_unknown,
                    server_side: *server_side,
                    force: *force,
                    live_version: before
                        .get(&key)
                        .map(|o| resource_version(&o.live).unwrap_or_default().to_owned()),
                };
                self.write(&key, object, write).await
            }
            Effect::Delete {
                propagation,
                reason,
                ..
            } => match self.cluster.delete(&key, *propagation, false).await {
                Ok(true) => Ok(Some(format!("{} deleted", kubectl_name(&key)))),
                Ok(false) if *reason == DeleteReason::Prune => {
                    Ok(Some(format!("{} already gone", kubectl_name(&key))))
                }
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            },
            Effect::RemoveHookFinalizer { .. } => {
                match self.cluster.remove_finalizer(&key, HOOK_FINALIZER).await {
                    Ok(true) => Ok(Some(format!("{} finalizer removed", kubectl_name(&key)))),
                    Ok(false) => Ok(None),
                    Err(e) => Err(e),
                }
            }
            Effect::Wait { .. } => return None,
        };
        Some(match result {
            Ok(Some(message)) => EffectOutcome::Done { key, message },
            Ok(None) => EffectOutcome::NotFound { key },
            // Named like the success messages, so a failure read alone
            // (in history, in `plumb app sync`'s progress) says which object.
            Err(error) => EffectOutcome::Failed {
                message: format!("{}: {error}", kubectl_name(&key)),
                key,
            },
        })
    }

    async fn write(
        &self,
        key: &ResourceKey,
        object: &serde_json::Value,
        write: Write,
    ) -> Result<Option<String>, ClusterError> {
        let Write {
            method,
            dry_run,
            skip_if_kind_unknown,
            server_side,
            force,
            live_version,
        } = write;
        let name = kubectl_name(key);
        let suffix = if dry_run { " (dry run)" } else { "" };
        if dry_run
            && skip_if_kind_unknown
            && self
                .cluster
                .resource_for(&key.group, &key.kind)
                .await?
                .is_none()
        {
            return Ok(Some(format!("{name} skipped: kind not known yet{suffix}")));
        }
        let verb = match method {
            ApplyMethod::Apply => {
                // Client-side apply is approximated by a forced server-side
                // apply: like `kubectl apply`, it takes over what it sets.
                let options = WriteOptions {
                    dry_run,
                    force: force || !server_side,
                };
                let after = self.cluster.apply(object, options).await?;
                match live_version {
                    None => "created",
                    Some(before) if Some(before.as_str()) == resource_version(&after) => {
                        "unchanged"
                    }
                    Some(_) if server_side => "serverside-applied",
                    Some(_) => "configured",
                }
            }
            ApplyMethod::Replace | ApplyMethod::Update if live_version.is_some() => {
                self.cluster.replace(object, dry_run).await?;
                "replaced"
            }
            ApplyMethod::Replace | ApplyMethod::Update | ApplyMethod::Create => {
                self.cluster.create(object, dry_run).await?;
                "created"
            }
        };
        Ok(Some(format!("{name} {verb}{suffix}")))
    }
}

/// An apply effect's settings, and the live resourceVersion seen before it.
struct Write {
    method: ApplyMethod,
    dry_run: bool,
    skip_if_kind_unknown: bool,
    server_side: bool,
    force: bool,
    live_version: Option<String>,
}

fn resource_version(object: &serde_json::Value) -> Option<&str> {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(serde_json::Value::as_str)
}

/// `deployment.apps/web`, as kubectl names objects.
pub fn kubectl_name(key: &ResourceKey) -> String {
    let kind = key.kind.to_lowercase();
    if key.group.is_empty() {
        format!("{kind}/{}", key.name)
    } else {
        format!("{kind}.{}/{}", key.group, key.name)
    }
}
