//! Simulated Kubernetes controllers (Deployment, ReplicaSet, StatefulSet,
//! DaemonSet, Job, CronJob, PVC, Service, Ingress, HPA, Events), as pure
//! functions: they read a [`World`] at a point in time and return the writes
//! a real controller would make. The API server applies them like any client.
//!
//! How the simulated cluster behaves:
//! - three nodes, [`NODES`]; pods go to the least loaded one (DaemonSet pods
//!   to the node their affinity names) through a `kube-scheduler` Update of
//!   `spec.nodeName`;
//! - containers run 2 s after the pod's creation; run-to-completion pods
//!   (restartPolicy Never / OnFailure) exit 3 s later;
//! - images carry markers as whole words of their reference (delimited by
//!   `/ : - . _ @` or the ends; `failover-proxy` has none): `pullerror` or
//!   `does-not-exist` never pulls (ImagePullBackOff); `crashloop` or `fail`
//!   exits with code 1
//!   (CrashLoopBackOff with 10 s doubling back-offs up to 5 min, or a Failed
//!   pod when it does not restart);
//! - claims are provisioned a volume, and LoadBalancer Services and Ingresses
//!   an address, 1 s after creation;
//! - every namespace gets the `default` ServiceAccount and the
//!   `kube-root-ca.crt` ConfigMap, and every Service with a selector an
//!   Endpoints object listing the pods it selects;
//! - an HPA wants `minReplicas`, or the number in its
//!   `sandbox.plumb.dev/load-replicas` annotation, clamped to its bounds.
//!
//! Everything time-based is computed from creation and condition timestamps
//! and the `now` passed in, so the same world at the same time gives the same
//! answer. Call [`reconcile`] after every change until it returns nothing,
//! then sleep until [`next_wakeup`].

use serde_json::Value;

use crate::model::ResourceKey;

/// A read-only view of the objects the sandbox stores.
pub trait World {
    /// Every stored object of a kind, in every namespace. `group` is empty for core.
    fn list(&self, group: &str, kind: &str) -> Vec<&Value>;
    /// One object by key.
    fn get(&self, key: &ResourceKey) -> Option<&Value>;
}

/// A write a controller asks the API server to make, under its own field manager.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create an object (metadata.name or metadata.generateName set).
    Create { manager: String, object: Value },
    /// Replace an object's spec and metadata; carries the resourceVersion it read.
    Update { manager: String, object: Value },
    /// Replace an object's status through the status subresource.
    UpdateStatus { manager: String, object: Value },
    /// Set a workload's `spec.replicas` through its scale subresource (as the
    /// HPA does); `object` is the workload as read, with the new replicas.
    UpdateScale { manager: String, object: Value },
    /// Delete an object (background propagation), giving a pod `grace`
    /// seconds (`None`: its own); a kubelet confirms with `Some(0)`.
    Delete {
        key: ResourceKey,
        grace: Option<i64>,
    },
}

mod children;
mod context;
mod cronjob;
mod daemonset;
mod deployment;
mod deployment_status;
mod endpoints;
mod events;
mod hpa;
mod job;
mod namespace;
mod network;
mod pod;
mod pod_status;
mod pvc;
mod replicaset;
mod statefulset;
mod util;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use jiff::Timestamp;

use context::Ctx;

/// The names of the simulated cluster's nodes; pods are spread over them.
pub const NODES: [&str; 3] = ["sandbox-node-1", "sandbox-node-2", "sandbox-node-3"];

/// Runs every controller once over `world` as it is at `now` and returns the
/// writes they want. Applying them and calling again converges: with nothing
/// changed and no time passed, the answer is empty. At most one write per
/// object is returned, so writes carrying a resourceVersion never conflict.
pub fn reconcile(world: &dyn World, now: Timestamp) -> Vec<Action> {
    run_all(world, now).actions
}

/// The earliest moment after `now` at which some time-based change is due
/// (a container starting, a back-off ending, a deadline, a cron schedule), so
/// the server can sleep until then. `None` when nothing is pending.
pub fn next_wakeup(world: &dyn World, now: Timestamp) -> Option<Timestamp> {
    run_all(world, now).wakeup
}

fn run_all(world: &dyn World, now: Timestamp) -> Ctx<'_> {
    let mut ctx = Ctx::new(world, now);
    namespace::reconcile(&mut ctx);
    hpa::reconcile(&mut ctx);
    cronjob::reconcile(&mut ctx);
    deployment::reconcile(&mut ctx);
    statefulset::reconcile(&mut ctx);
    daemonset::reconcile(&mut ctx);
    job::reconcile(&mut ctx);
    replicaset::reconcile(&mut ctx);
    pvc::reconcile(&mut ctx);
    pod::reconcile(&mut ctx);
    network::reconcile(&mut ctx);
    endpoints::reconcile(&mut ctx);
    ctx
}
