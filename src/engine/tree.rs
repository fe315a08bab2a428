//! The resource tree of an app: each managed resource with its live children
//! by ownerReferences (Deployment → ReplicaSet → Pod, CronJob → Job → Pod,
//! StatefulSet → Pod / PVC, ...) and a Service's Endpoints by name.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use super::compare::{ResourceResult, SyncStatus};
use super::health::{Health, HealthConfig, resource_health};
use super::live::{LiveIndex, uid_of};
use crate::model::ResourceKey;

/// One node. `id` (`group/kind/namespace/name`) stays the same across
/// refreshes, so a view can keep its expansion state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeNode {
    pub id: String,
    #[serde(flatten)]
    pub key: ResourceKey,
    /// Only the app's own resources have a sync status.
    pub status: Option<SyncStatus>,
    pub health: Option<Health>,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// Every node below and including this one, depth first.
    pub fn walk(&self) -> Vec<(usize, &TreeNode)> {
        let mut out = Vec::new();
        self.collect(0, &mut out);
        out
    }

    fn collect<'a>(&'a self, depth: usize, out: &mut Vec<(usize, &'a TreeNode)>) {
        out.push((depth, self));
        for child in &self.children {
            child.collect(depth + 1, out);
        }
    }
}

pub fn node_id(key: &ResourceKey) -> String {
    format!("{}/{}/{}/{}", key.group, key.kind, key.namespace, key.name)
}

/// The tree of the compared resources; with no live state, bare roots.
pub fn build(
    resources: &[ResourceResult],
    live: Option<&LiveIndex>,
    config: &HealthConfig,
) -> Vec<TreeNode> {
    resources
        .iter()
        .map(|resource| {
            let mut seen = HashSet::new();
            let children = match (live, resource.live.as_deref()) {
                (Some(live), Some(object)) => children(live, object, config, &mut seen),
                _ => Vec::new(),
            };
            TreeNode {
                id: node_id(&resource.key),
                key: resource.key.clone(),
                status: resource.status,
                health: resource.health.clone(),
                children,
            }
        })
        .collect()
}

fn children(
    live: &LiveIndex,
    parent: &Value,
    config: &HealthConfig,
    seen: &mut HashSet<String>,
) -> Vec<TreeNode> {
    let mut found: Vec<&Value> = Vec::new();
    if let Some(uid) = uid_of(parent) {
        if !seen.insert(uid.to_owned()) {
            return Vec::new();
        }
        found.extend(live.children_of(uid).map(|c| &**c));
    }
    let parent_key = ResourceKey::of(parent);
    if parent_key.group.is_empty() && parent_key.kind == "Service" {
        let endpoints = ResourceKey::new("", "Endpoints", &parent_key.namespace, &parent_key.name);
        found.extend(live.get(&endpoints).map(|e| &**e));
    }
    let mut nodes: Vec<TreeNode> = found
        .into_iter()
        .map(|child| {
            let key = ResourceKey::of(child);
            TreeNode {
                id: node_id(&key),
                key,
                status: None,
                health: resource_health(Some(child), config),
                children: children(live, child, config, seen),
            }
        })
        .collect();
    nodes.sort_by(|a, b| a.key.cmp(&b.key));
    nodes.dedup_by(|a, b| a.id == b.id);
    nodes
}
