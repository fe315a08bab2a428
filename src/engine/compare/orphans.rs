//! Orphaned resources (§5.6): top-level objects in the destination namespace
//! that no app tracks, listed when the project's `orphanedResources` asks.

use std::collections::HashSet;

use super::CompareInput;
use globset::Glob;

use crate::engine::live::{LiveIndex, has_owner};
use crate::engine::policy::kind_permitted;
use crate::engine::tracking::{TrackingMethod, tracked_instance};
use crate::model::{GroupKind, ResourceKey};

/// Kinds never reported: Argo CD's default `resource.exclusions` that live
/// in namespaces, which no app manages.
const EXCLUDED_KINDS: [(&str, &str); 4] = [
    ("", "Endpoints"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("coordination.k8s.io", "Lease"),
    ("events.k8s.io", "Event"),
];

fn never_orphan(key: &ResourceKey) -> bool {
    let core = key.group.is_empty();
    EXCLUDED_KINDS.contains(&(key.group.as_str(), key.kind.as_str()))
        || core && key.kind == "ServiceAccount" && key.name == "default"
        || core && key.kind == "ConfigMap" && key.name == "kube-root-ca.crt"
        || core && key.kind == "Service" && key.name == "kubernetes" && key.namespace == "default"
}

pub fn find(
    input: &CompareInput<'_>,
    live: &LiveIndex,
    destination_namespace: &str,
    target_keys: &HashSet<&ResourceKey>,
) -> Vec<ResourceKey> {
    let Some(settings) = &input.project.spec.orphaned_resources else {
        return Vec::new();
    };
    if destination_namespace.is_empty() {
        return Vec::new();
    }
    let mut orphaned: Vec<ResourceKey> = live
        .in_namespace(destination_namespace)
        .filter(|object| !has_owner(object))
        .filter(|object| {
            TrackingMethod::DISTINCT
                .iter()
                .all(|&method| tracked_instance(object, method).is_none())
        })
        .map(|object| ResourceKey::of(object))
        .filter(|key| !target_keys.contains(key) && !never_orphan(key))
        .filter(|key| {
            !settings
                .ignore
                .iter()
                .any(|rule| ignored_by(rule, &key.group, &key.kind, &key.name))
        })
        .filter(|key| kind_permitted(input.project, &key.group, &key.kind, &key.name, true))
        .collect();
    orphaned.sort();
    orphaned
}

fn ignored_by(pattern: &GroupKind, group: &str, kind: &str, name: &str) -> bool {
    glob_matches(&pattern.group, group)
        && glob_matches(&pattern.kind, kind)
        && pattern
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .is_none_or(|n| glob_matches(n, name))
}

fn glob_matches(pattern: &str, text: &str) -> bool {
    if pattern == "*" || pattern == text {
        return true;
    }
    // An invalid glob matches only itself, compared literally above.
    Glob::new(pattern).is_ok_and(|g| g.compile_matcher().is_match(text))
}
