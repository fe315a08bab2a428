//! History and runtime state shared by every plumb: a ConfigMap per app
//! (`plumb-app-<name>`) and one for all apps (`plumb-global`) in the
//! destination cluster's `plumb-system` namespace. Every change is a
//! read-modify-write guarded by the resourceVersion and redone on 409, so
//! concurrent writers never lose or duplicate entries.
//!
//! ```text
//! let store = Store::new(cluster);
//! let state = store.load("payments").await?;
//! store.save_operation("payments", &op).await?;          // after each step
//! store.finish_operation("payments", &op, limit).await?; // appends history
//! ```

mod state;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::cluster::{ClusterError, ClusterRef, LockError, SYSTEM_NAMESPACE};
use crate::engine::appset::{AppSetOrigin, GeneratedRecord, record_to_store};
use crate::engine::sync::{
    HistoryEntry, OperationPhase, SyncOperation, history_entry, next_history_id, trim_history,
};
use crate::model::{Application, ResourceKey};

pub use state::{AppState, AutoSyncOverride, FreezeRecord, TerminateRequest};

/// Argo CD's default `revisionHistoryLimit`.
pub const DEFAULT_HISTORY_LIMIT: usize = 10;

/// The message of an operation whose plumb died while running it.
pub const INTERRUPTED: &str =
    "operation interrupted: the plumb running it was killed or cut off, and its lease expired";

/// How often a conflicting write is redone before giving up.
const CONFLICT_ATTEMPTS: usize = 30;

/// The ConfigMap (in `plumb-system`) holding the freeze of every app.
pub const GLOBAL_CONFIG_MAP: &str = "plumb-global";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{0}")]
    Corrupt(String),
    #[error(
        "ConfigMap {name} in {SYSTEM_NAMESPACE} kept changing under us; gave up after {CONFLICT_ATTEMPTS} attempts"
    )]
    Contended { name: String },
}

/// The state store of one destination cluster.
#[derive(Clone)]
pub struct Store {
    cluster: ClusterRef,
}

const APP_CONFIG_MAP_PREFIX: &str = "plumb-app-";

pub fn config_map_name(app: &str) -> String {
    format!("{APP_CONFIG_MAP_PREFIX}{app}")
}

impl Store {
    pub fn new(cluster: ClusterRef) -> Self {
        Store { cluster }
    }

    pub async fn load(&self, app: &str) -> Result<AppState, StoreError> {
        let name = config_map_name(app);
        let live = self.cluster.get(&key(&name)).await?;
        AppState::decode(live.as_ref().and_then(|l| l.get("data")), &describe(&name))
            .map_err(StoreError::Corrupt)
    }

    /// Applies `change` to the freshest state and writes it; `change` may
    /// run more than once, each time on newly read state.
    pub async fn update(
        &self,
        app: &str,
        mut change: impl FnMut(&mut AppState),
    ) -> Result<AppState, StoreError> {
        let name = config_map_name(app);
        self.read_modify_write(&name, |data| {
            let mut state = AppState::decode(data, &describe(&name))?;
            change(&mut state);
            Ok((state.encode()?, state))
        })
        .await
    }

    /// Stores the running operation (after a step).
    pub async fn save_operation(&self, app: &str, op: &SyncOperation) -> Result<(), StoreError> {
        self.update(app, |state| state.operation = Some(op.clone()))
            .await
            .map(drop)
    }

    /// Stores a new operation, dropping any stale termination request.
    pub async fn begin_operation(&self, app: &str, op: &SyncOperation) -> Result<(), StoreError> {
        self.update(app, |state| {
            state.operation = Some(op.clone());
            state.terminate = None;
        })
        .await
        .map(drop)
    }

    /// Every app's recorded ApplicationSet-generated spec in this cluster,
    /// by app name; a state that cannot be read is skipped with a warning.
    pub async fn generated_records(&self) -> Result<Vec<(String, GeneratedRecord)>, StoreError> {
        let kinds = [(String::new(), "ConfigMap".to_owned())];
        let maps = self
            .cluster
            .list_live(&kinds, Some(SYSTEM_NAMESPACE))
            .await?;
        let mut records = Vec::new();
        for map in &maps {
            let name = crate::model::name_of(map);
            let Some(app) = name.strip_prefix(APP_CONFIG_MAP_PREFIX) else {
                continue;
            };
            match AppState::decode(map.get("data"), &describe(name)) {
                Ok(AppState {
                    generated: Some(record),
                    ..
                }) => records.push((app.to_owned(), record)),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot read a stored state"),
            }
        }
        Ok(records)
    }

    /// Records the ApplicationSet-generated spec of `app` as an operation
    /// begins, when `applicationsSync` says so (see
    /// [`crate::engine::appset::record_to_store`]).
    pub async fn record_generated(
        &self,
        app: &str,
        generated: &Application,
        origin: &AppSetOrigin,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now();
        self.update(app, |state| {
            if let Some(record) = record_to_store(generated, origin, state.generated.as_ref(), now)
            {
                state.generated = Some(record);
            }
        })
        .await
        .map(drop)
    }

    /// Asks the operation running for `app` (in any plumb) to stop; the
    /// operation as stored, or `None` when none is running.
    pub async fn request_termination(
        &self,
        app: &str,
        by: &str,
    ) -> Result<Option<SyncOperation>, StoreError> {
        let request = TerminateRequest {
            by: by.to_owned(),
            at: Timestamp::now(),
        };
        let state = self
            .update(app, |state| {
                if state.operation.as_ref().is_some_and(|op| !op.is_done()) {
                    state.terminate = Some(request.clone());
                }
            })
            .await?;
        Ok(state.operation.filter(|op| !op.is_done()))
    }

    /// Stores the finished operation and appends its history entry (once:
    /// an entry for the same start, revision and initiator is not added
    /// again), keeping at most `limit` entries.
    pub async fn finish_operation(
        &self,
        app: &str,
        op: &SyncOperation,
        limit: usize,
    ) -> Result<AppState, StoreError> {
        let finished_at = op.finished_at.unwrap_or_else(Timestamp::now);
        self.update(app, |state| {
            state.operation = Some(op.clone());
            state.terminate = None;
            let id = next_history_id(&state.history);
            if let Some(entry) = history_entry(op, id, finished_at)
                && !state.history.iter().any(|e| same_operation(e, &entry))
            {
                state.history.push(entry);
                trim_history(&mut state.history, limit);
            }
        })
        .await
    }

    /// Ends an operation a dead plumb left Running: when its lease can be
    /// taken (the holder stopped renewing), the operation is aborted as
    /// interrupted and recorded. Returns the recovered operation.
    pub async fn recover_interrupted(
        &self,
        app: &str,
        holder: &str,
        limit: usize,
    ) -> Result<Option<SyncOperation>, StoreError> {
        let state = self.load(app).await?;
        let Some(mut op) = state.operation.filter(|op| !op.is_done()) else {
            return Ok(None);
        };
        let lease = match self
            .cluster
            .acquire_lease(app, holder, crate::cluster::lease_duration())
            .await
        {
            Ok(lease) => lease,
            Err(LockError::Held { .. }) => return Ok(None),
            Err(LockError::Cluster(e)) => return Err(e.into()),
        };
        op.abort(OperationPhase::Error, INTERRUPTED, Timestamp::now());
        let result = self.finish_operation(app, &op, limit).await;
        lease.release().await?;
        result.map(|_| Some(op))
    }

    pub async fn global_freeze(&self) -> Result<Option<FreezeRecord>, StoreError> {
        let live = self.cluster.get(&key(GLOBAL_CONFIG_MAP)).await?;
        state::decode_global_freeze(
            live.as_ref().and_then(|l| l.get("data")),
            &describe(GLOBAL_CONFIG_MAP),
        )
        .map_err(StoreError::Corrupt)
    }

    /// Sets (or with `None` lifts) the freeze of every app.
    pub async fn set_global_freeze(&self, freeze: Option<FreezeRecord>) -> Result<(), StoreError> {
        self.read_modify_write(GLOBAL_CONFIG_MAP, |_| {
            Ok((state::encode_global_freeze(freeze.as_ref())?, ()))
        })
        .await
    }

    async fn read_modify_write<T>(
        &self,
        name: &str,
        mut change: impl FnMut(Option<&Value>) -> Result<(Value, T), String>,
    ) -> Result<T, StoreError> {
        self.cluster.ensure_system_namespace().await?;
        for _ in 0..CONFLICT_ATTEMPTS {
            let live = self.cluster.get(&key(name)).await?;
            let (data, result) =
                change(live.as_ref().and_then(|l| l.get("data"))).map_err(StoreError::Corrupt)?;
            let written = match live {
                None => {
                    self.cluster
                        .create(&config_map(name, data, None), false)
                        .await
                }
                Some(live) => {
                    let version = live.pointer("/metadata/resourceVersion").cloned();
                    self.cluster.update(&config_map(name, data, version)).await
                }
            };
            match written {
                Ok(_) => return Ok(result),
                Err(ClusterError::Api { code: 409, .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Contended {
            name: name.to_owned(),
        })
    }
}

fn same_operation(a: &HistoryEntry, b: &HistoryEntry) -> bool {
    a.deploy_started_at == b.deploy_started_at
        && a.revision == b.revision
        && a.initiated_by == b.initiated_by
}

fn key(name: &str) -> ResourceKey {
    ResourceKey::new("", "ConfigMap", SYSTEM_NAMESPACE, name)
}

fn describe(name: &str) -> String {
    format!("ConfigMap {SYSTEM_NAMESPACE}/{name}")
}

fn config_map(name: &str, data: Value, resource_version: Option<Value>) -> Value {
    let mut object = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": SYSTEM_NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "plumb"}},
        "data": data,
    });
    if let Some(version) = resource_version {
        object["metadata"]["resourceVersion"] = version;
    }
    object
}
