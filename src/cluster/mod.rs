//! The kube-rs adapter: which clusters exist and how a destination picks
//! one ([`Clusters`]), what each serves ([`ApiResources`]), one-shot reads
//! ([`ClusterRef::list_live`], [`ClusterRef::get`], [`ClusterRef::events_for`])
//! and the watch-fed [`LiveCache`].
//!
//! ```text
//! let clusters = Clusters::discover(&paths).await?;       // kubeconfig contexts, or the sandbox
//! let cluster = clusters.resolve(&app.spec.destination)?;  // Argo CD's name/server rules
//! let live = cluster.list_live(&kinds, None).await?;       // CLI: one LIST per kind
//! let cache = LiveCache::start(cluster, kinds);            // TUI: watchers, snapshot(), changes()
//! ```
//!
//! Every error is a [`ClusterError`] naming the cluster and the cause.

mod apply;
mod cache;
mod cluster_ref;
mod contexts;
mod discovery;
mod error;
mod lease;
mod live;
mod watch;

pub use apply::{FIELD_MANAGER, WriteOptions};
pub use cache::{ClusterHealth, GroupKind, KindState, LiveCache, LiveSnapshot};
pub use cluster_ref::{ClusterInfo, ClusterRef};
pub use contexts::{Clusters, IN_CLUSTER_NAME, IN_CLUSTER_SERVER, SANDBOX_NAME, kubeconfig_files};
pub use discovery::{ApiResourceInfo, ApiResources};
pub use error::ClusterError;
pub use lease::{
    LEASE_DURATION, LEASE_SECONDS_ENV, LockError, OperationLease, SYSTEM_NAMESPACE, lease_duration,
    lease_name, local_holder, process_identity,
};
