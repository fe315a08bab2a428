//! The live side of the loop: one watch-fed [`LiveCache`] per destination
//! cluster, watching the listed kinds plus every kind the apps render, and
//! a read of it once every watched kind has listed.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::cluster::{ClusterHealth, ClusterRef, GroupKind, KindState, LiveCache};
use crate::engine::live::LiveIndex;

/// Kinds listed besides the apps' own: the children trees show, Events,
/// and the kinds apps commonly hold (for prune candidates and orphans).
pub const LISTED_KINDS: [(&str, &str); 23] = [
    ("", "Namespace"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("", "Endpoints"),
    ("", "Pod"),
    ("", "PersistentVolumeClaim"),
    ("", "Event"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
];

/// How long one discovery may take before the cluster counts as unreadable.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// One cluster's live state at one moment, ready to compare against.
pub struct ClusterRead {
    pub index: LiveIndex,
    /// Served kinds and whether each is namespaced.
    pub scopes: HashMap<GroupKind, bool>,
    /// Watched kinds the cluster will not list, and why.
    pub unreadable: HashMap<GroupKind, String>,
}

pub enum LiveRead {
    /// Some watched kind has not listed yet.
    NotReady,
    Failed(String),
    Ready(Arc<ClusterRead>),
}

/// The caches, by cluster name; dropping it stops every watcher.
#[derive(Default)]
pub struct LiveCaches {
    caches: HashMap<String, LiveCache>,
}

impl LiveCaches {
    /// Watches `kinds` (and the listed kinds) on `cluster`, starting its
    /// cache on first use; every change of the cache pokes `changed`.
    pub fn watch(
        &mut self,
        cluster: &ClusterRef,
        kinds: BTreeSet<GroupKind>,
        changed: &mpsc::Sender<()>,
    ) {
        let name = cluster.info().name.clone();
        if let Some(cache) = self.caches.get(&name) {
            cache.add_kinds(kinds.into_iter().collect());
            return;
        }
        let mut all: BTreeSet<GroupKind> = LISTED_KINDS
            .iter()
            .map(|(g, k)| ((*g).to_owned(), (*k).to_owned()))
            .collect();
        all.extend(kinds);
        let cache = LiveCache::start(cluster.clone(), all.into_iter().collect());
        let mut changes = cache.changes();
        let changed = changed.clone();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                // A full channel already holds a poke.
                if let Err(mpsc::error::TrySendError::Closed(())) = changed.try_send(()) {
                    return;
                }
            }
        });
        self.caches.insert(name, cache);
    }

    /// The cluster's objects once every watched kind has listed (or failed
    /// for good, e.g. a kind the server does not serve).
    pub async fn read(&self, cluster: &str) -> LiveRead {
        let Some(cache) = self.caches.get(cluster) else {
            return LiveRead::NotReady;
        };
        let snapshot = cache.snapshot();
        if let ClusterHealth::Unreachable(error) = &snapshot.health {
            return LiveRead::Failed(error.to_string());
        }
        if snapshot.kinds.values().any(|s| *s == KindState::Syncing) {
            return LiveRead::NotReady;
        }
        let served =
            match tokio::time::timeout(DISCOVERY_TIMEOUT, cache.cluster().api_resources()).await {
                Ok(Ok(served)) => served,
                Ok(Err(error)) => return LiveRead::Failed(error.to_string()),
                Err(_) => {
                    return LiveRead::Failed(format!(
                        "{}: discovery did not answer within {} s",
                        cluster,
                        DISCOVERY_TIMEOUT.as_secs()
                    ));
                }
            };
        let scopes = served
            .iter()
            .map(|info| ((info.group.clone(), info.kind.clone()), info.namespaced))
            .collect();
        let unreadable = snapshot
            .kinds
            .iter()
            .filter_map(|(kind, state)| match state {
                KindState::Error(why) => Some((kind.clone(), why.clone())),
                _ => None,
            })
            .collect();
        LiveRead::Ready(Arc::new(ClusterRead {
            index: LiveIndex::new(snapshot.objects),
            scopes,
            unreadable,
        }))
    }

    /// Why the cluster cannot be read, when its cache says so.
    pub fn error(&self, cluster: &str) -> Option<String> {
        match self.caches.get(cluster)?.status() {
            ClusterHealth::Unreachable(error) => Some(error.to_string()),
            ClusterHealth::Reachable => None,
        }
    }
}
