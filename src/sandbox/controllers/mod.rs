//! Simulated Kubernetes controllers (Deployment, ReplicaSet, StatefulSet,
//! DaemonSet, Job, CronJob, PVC, Service, Ingress, HPA, Events), as pure
//! functions: they read a [`World`] at a point in time and return the writes
//! a real controller would make. The API server applies them like any client.

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
    /// Delete an object (background propagation).
    Delete { key: ResourceKey },
}
