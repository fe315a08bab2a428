//! Kinds the cluster will not list (forbidden, or failing): their objects
//! cannot be seen, so an app's resources of those kinds are Unknown rather
//! than Missing, and the app's sync status is Unknown with a
//! ComparisonError naming the kind, so automated sync does not act on a
//! state it cannot see. Kinds the cluster does not serve are not here:
//! their objects are missing for real (a CRD not yet applied).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{AppComparison, Condition, ConditionType, SyncStatus};
use crate::engine::health::{Health, HealthStatus};
use crate::engine::tree::{TreeNode, node_id};

/// Marks what `unreadable` (by (group, kind): why) hides from `comparison`.
pub fn mark_unreadable(
    comparison: &mut AppComparison,
    unreadable: &HashMap<(String, String), String>,
) {
    let mut hidden_kinds: BTreeMap<(String, String), &str> = BTreeMap::new();
    let mut hidden_ids: HashSet<String> = HashSet::new();
    for resource in &mut comparison.resources {
        let kind = (resource.key.group.clone(), resource.key.kind.clone());
        let Some(why) = unreadable.get(&kind) else {
            continue;
        };
        if resource.live.is_some() || resource.desired.is_none() {
            continue;
        }
        resource.status = Some(SyncStatus::Unknown);
        resource.health = None;
        resource.message = format!("cannot list {}: {why}", resource.key.kind);
        hidden_ids.insert(node_id(&resource.key));
        hidden_kinds.insert(kind, why);
    }
    let Some(((_, first), _)) = hidden_kinds.first_key_value() else {
        return;
    };
    let health_message = format!("cannot list {first} in the destination cluster");
    for ((group, kind), why) in &hidden_kinds {
        let kind = if group.is_empty() {
            kind.clone()
        } else {
            format!("{kind}.{group}")
        };
        comparison.conditions.push(Condition::new(
            ConditionType::ComparisonError,
            format!("cannot list {kind} in the destination cluster: {why}"),
        ));
    }
    comparison.sync = SyncStatus::Unknown;
    if comparison.health.status == HealthStatus::Missing {
        comparison.health = Health::unknown(health_message);
    }
    unmark_missing(&mut comparison.tree, &hidden_ids);
}

fn unmark_missing(nodes: &mut [TreeNode], hidden: &HashSet<String>) {
    for node in nodes {
        if hidden.contains(&node.id) {
            node.status = Some(SyncStatus::Unknown);
            node.health = None;
        }
        unmark_missing(&mut node.children, hidden);
    }
}
