//! The live cache: one watcher per kind keeps every object of that kind in
//! memory; readers take cheap snapshots and wait on a change counter.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::cluster_ref::ClusterRef;
use super::error::ClusterError;
use super::watch::watch_kind;

/// A (group, kind) pair; the core group is `""`.
pub type GroupKind = (String, String);

/// How far one kind's watcher has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KindState {
    /// Listing (first time, or again after an error); objects may be stale.
    #[default]
    Syncing,
    /// Listed and watching: the objects are current.
    Synced,
    /// The last attempt failed with this message; retrying with backoff.
    Error(String),
    /// The server does not serve the kind (yet: its CRD may come later).
    NotServed,
}

/// Whether the cluster can be reached at all.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterHealth {
    Reachable,
    /// Apps on this cluster are Unknown with this error.
    Unreachable(ClusterError),
}

/// A consistent view of the cache at one moment.
#[derive(Debug, Clone)]
pub struct LiveSnapshot {
    /// Ordered by (group, kind), namespace, name.
    pub objects: Vec<Arc<Value>>,
    pub kinds: BTreeMap<GroupKind, KindState>,
    /// The change counter this snapshot reflects.
    pub generation: u64,
    pub health: ClusterHealth,
}

/// A watch-fed cache of live objects for the kinds asked for, on one cluster.
/// Dropping it stops the watchers.
pub struct LiveCache {
    cluster: ClusterRef,
    shared: Arc<Shared>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl LiveCache {
    /// Starts one watcher per kind (all namespaces), each restarted with
    /// kube-runtime's default backoff on errors, and a reachability probe.
    /// Must be called inside a tokio runtime.
    pub fn start(cluster: ClusterRef, kinds: Vec<GroupKind>) -> LiveCache {
        let cache = LiveCache {
            cluster,
            shared: Arc::new(Shared::new()),
            tasks: Mutex::new(Vec::new()),
        };
        let probe = tokio::spawn(probe(cache.cluster.clone(), cache.shared.clone()));
        lock(&cache.tasks).push(probe.abort_handle());
        cache.add_kinds(kinds);
        cache
    }

    /// Starts watching kinds not watched yet.
    pub fn add_kinds(&self, kinds: Vec<GroupKind>) {
        let mut tasks = lock(&self.tasks);
        for kind in kinds {
            if !self.shared.register(&kind) {
                continue;
            }
            let task = tokio::spawn(watch_kind(self.cluster.clone(), kind, self.shared.clone()));
            tasks.push(task.abort_handle());
        }
    }

    pub fn cluster(&self) -> &ClusterRef {
        &self.cluster
    }

    pub fn snapshot(&self) -> LiveSnapshot {
        let state = self.shared.state();
        LiveSnapshot {
            objects: state
                .kinds
                .values()
                .flat_map(|k| k.objects.values().cloned())
                .collect(),
            kinds: state
                .kinds
                .iter()
                .map(|(kind, entry)| (kind.clone(), entry.state.clone()))
                .collect(),
            generation: state.generation,
            health: state.health.clone(),
        }
    }

    /// A receiver of the change counter, bumped on every applied event and
    /// state change; wait on it and then take a snapshot.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    pub fn status(&self) -> ClusterHealth {
        self.shared.state().health.clone()
    }
}

impl Drop for LiveCache {
    fn drop(&mut self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }
}

/// Asks the server once at start so an unreachable cluster is reported even
/// before (or without) any watched kind; retries while it stays unreachable.
async fn probe(cluster: ClusterRef, shared: Arc<Shared>) {
    let mut backoff = kube::runtime::watcher::DefaultBackoff::default();
    loop {
        match cluster.probe().await {
            Ok(()) => {
                shared.reachable();
                return;
            }
            Err(error) if error.makes_cluster_unusable() => shared.unreachable(error),
            // The server answered, if unhappily: it is reachable.
            Err(_) => {
                shared.reachable();
                return;
            }
        }
        if let Some(delay) = backoff.next() {
            tokio::time::sleep(delay).await;
        }
    }
}

/// The state watchers write and readers snapshot.
pub(crate) struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
}

struct State {
    kinds: BTreeMap<GroupKind, KindEntry>,
    health: ClusterHealth,
    generation: u64,
}

#[derive(Default)]
struct KindEntry {
    state: KindState,
    objects: BTreeMap<ObjectName, Arc<Value>>,
    /// Objects of a relist in progress, swapped in when it completes so
    /// objects deleted while disconnected disappear.
    relisting: Option<BTreeMap<ObjectName, Arc<Value>>>,
}

/// (namespace, name) within one kind.
type ObjectName = (String, String);

fn object_name(object: &Value) -> ObjectName {
    let field = |f: &str| {
        object["metadata"][f]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (field("namespace"), field("name"))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                kinds: BTreeMap::new(),
                health: ClusterHealth::Reachable,
                generation: 0,
            }),
            changes: watch::Sender::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Changes the state under the lock and bumps the counter when `change` says so.
    fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let mut state = self.state();
        if change(&mut state) {
            state.generation += 1;
            self.changes.send_replace(state.generation);
        }
    }

    /// Adds a kind; false when it is already watched.
    fn register(&self, kind: &GroupKind) -> bool {
        let mut added = false;
        self.update(|state| {
            if state.kinds.contains_key(kind) {
                return false;
            }
            state.kinds.insert(kind.clone(), KindEntry::default());
            added = true;
            true
        });
        added
    }

    pub(crate) fn reachable(&self) {
        self.update(|state| {
            let was = std::mem::replace(&mut state.health, ClusterHealth::Reachable);
            was != ClusterHealth::Reachable
        });
    }

    pub(crate) fn unreachable(&self, error: ClusterError) {
        self.update(|state| {
            let now = ClusterHealth::Unreachable(error);
            let changed = state.health != now;
            state.health = now;
            changed
        });
    }

    /// The server does not serve the kind: it has no objects.
    pub(crate) fn not_served(&self, kind: &GroupKind) {
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            entry.relisting = None;
            entry.objects.clear();
            let changed = entry.state != KindState::NotServed;
            entry.state = KindState::NotServed;
            changed
        });
    }

    /// Records a failed attempt for a kind (and for the cluster, when the
    /// failure means the server cannot be used at all).
    pub(crate) fn failed(&self, kind: &GroupKind, error: ClusterError) {
        let message = error.to_string();
        if error.makes_cluster_unusable() {
            self.unreachable(error);
        }
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            entry.relisting = None;
            let now = KindState::Error(message);
            let changed = entry.state != now;
            entry.state = now;
            changed
        });
    }

    /// A relist started: objects arriving now replace the current set at
    /// [`Shared::relisted`].
    pub(crate) fn relist_started(&self, kind: &GroupKind) {
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            entry.relisting = Some(BTreeMap::new());
            let changed = entry.state != KindState::Syncing;
            entry.state = KindState::Syncing;
            changed
        });
    }

    pub(crate) fn relisted_object(&self, kind: &GroupKind, object: Value) {
        let mut state = self.state();
        if let Some(pending) = state.kinds.get_mut(kind).and_then(|e| e.relisting.as_mut()) {
            pending.insert(object_name(&object), Arc::new(object));
        }
    }

    pub(crate) fn relisted(&self, kind: &GroupKind) {
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            if let Some(fresh) = entry.relisting.take() {
                entry.objects = fresh;
            }
            entry.state = KindState::Synced;
            true
        });
        self.reachable();
    }

    pub(crate) fn applied(&self, kind: &GroupKind, object: Value) {
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            entry.objects.insert(object_name(&object), Arc::new(object));
            true
        });
    }

    pub(crate) fn deleted(&self, kind: &GroupKind, object: &Value) {
        self.update(|state| {
            let Some(entry) = state.kinds.get_mut(kind) else {
                return false;
            };
            entry.objects.remove(&object_name(object)).is_some()
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default", "name": name}})
    }

    fn names(shared: &Shared, kind: &GroupKind) -> Vec<String> {
        shared.state().kinds[kind]
            .objects
            .keys()
            .map(|(_, name)| name.clone())
            .collect()
    }

    #[test]
    fn a_relist_replaces_objects_deleted_while_disconnected() {
        let shared = Shared::new();
        let kind = ("".to_owned(), "ConfigMap".to_owned());
        assert!(shared.register(&kind) && !shared.register(&kind));
        shared.applied(&kind, cm("kept"));
        shared.applied(&kind, cm("gone"));
        let before = *shared.changes.borrow();

        shared.relist_started(&kind);
        shared.relisted_object(&kind, cm("kept"));
        shared.relisted_object(&kind, cm("new"));
        assert_eq!(
            names(&shared, &kind),
            ["gone", "kept"],
            "the old set shows until the relist completes"
        );
        assert_eq!(shared.state().kinds[&kind].state, KindState::Syncing);
        shared.relisted(&kind);
        assert_eq!(names(&shared, &kind), ["kept", "new"]);
        assert_eq!(shared.state().kinds[&kind].state, KindState::Synced);
        assert!(*shared.changes.borrow() > before);
    }

    #[test]
    fn unusable_failures_mark_the_cluster_until_a_list_succeeds() {
        let shared = Shared::new();
        let kind = ("apps".to_owned(), "Deployment".to_owned());
        shared.register(&kind);
        let refused = ClusterError::Unreachable {
            cluster: "prod".into(),
            server: "https://10.0.0.1".into(),
            message: "Connection refused".into(),
        };
        shared.failed(&kind, refused.clone());
        assert_eq!(
            shared.state().health,
            ClusterHealth::Unreachable(refused.clone())
        );
        assert_eq!(
            shared.state().kinds[&kind].state,
            KindState::Error(refused.to_string())
        );
        shared.relist_started(&kind);
        shared.relisted(&kind);
        assert_eq!(shared.state().health, ClusterHealth::Reachable);

        let server_error = ClusterError::Api {
            cluster: "prod".into(),
            code: 500,
            reason: "InternalError".into(),
            message: "boom".into(),
        };
        shared.failed(&kind, server_error);
        assert_eq!(shared.state().health, ClusterHealth::Reachable);
    }
}
