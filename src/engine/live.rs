//! An index over one cluster's live objects: by key, uid, owner, tracking
//! instance and namespace, and Events by the object they are about.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::tracking::{self, TrackingMethod};
use crate::model::{ResourceKey, group_of, kind_of, namespace_of};

/// Live objects of one cluster, indexed for comparing and building trees.
#[derive(Debug, Default)]
pub struct LiveIndex {
    objects: Vec<Arc<Value>>,
    by_key: HashMap<ResourceKey, usize>,
    by_uid: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    by_instance: HashMap<(TrackingMethod, String), Vec<usize>>,
    by_namespace: HashMap<String, Vec<usize>>,
    events: HashMap<String, Vec<usize>>,
}

impl LiveIndex {
    pub fn new(objects: Vec<Arc<Value>>) -> Self {
        let mut index = LiveIndex::default();
        for (at, object) in objects.iter().enumerate() {
            if is_event(object) {
                if let Some(uid) = event_subject_uid(object) {
                    index.events.entry(uid.to_owned()).or_default().push(at);
                }
                continue;
            }
            index.by_key.insert(ResourceKey::of(object), at);
            if let Some(uid) = uid_of(object) {
                index.by_uid.insert(uid.to_owned(), at);
            }
            for owner in owner_uids(object) {
                index.children.entry(owner.to_owned()).or_default().push(at);
            }
            for method in TrackingMethod::DISTINCT {
                let Some(instance) = tracking::tracked_instance(object, method) else {
                    continue;
                };
                index
                    .by_instance
                    .entry((method, instance.to_owned()))
                    .or_default()
                    .push(at);
            }
            index
                .by_namespace
                .entry(namespace_of(object).to_owned())
                .or_default()
                .push(at);
        }
        index.objects = objects;
        index
    }

    /// Every indexed object, Events included.
    pub fn objects(&self) -> &[Arc<Value>] {
        &self.objects
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&Arc<Value>> {
        self.by_key.get(key).map(|&at| &self.objects[at])
    }

    pub fn by_uid(&self, uid: &str) -> Option<&Arc<Value>> {
        self.by_uid.get(uid).map(|&at| &self.objects[at])
    }

    /// Objects whose ownerReferences name `owner_uid`.
    pub fn children_of(&self, owner_uid: &str) -> impl Iterator<Item = &Arc<Value>> {
        self.indexed(self.children.get(owner_uid))
    }

    /// Objects tracked (under `method`) by the app instance `instance`.
    pub fn tracked_by(
        &self,
        method: TrackingMethod,
        instance: &str,
    ) -> impl Iterator<Item = &Arc<Value>> {
        self.indexed(
            self.by_instance
                .get(&(method.index_class(), instance.to_owned())),
        )
    }

    /// Objects in `namespace` (empty: cluster-scoped), Events excluded.
    pub fn in_namespace(&self, namespace: &str) -> impl Iterator<Item = &Arc<Value>> {
        self.indexed(self.by_namespace.get(namespace))
    }

    /// Events about the object with `uid`, oldest first.
    pub fn events_for(&self, uid: &str) -> Vec<&Arc<Value>> {
        let mut events: Vec<&Arc<Value>> = self.indexed(self.events.get(uid)).collect();
        events.sort_by_key(|e| event_time(e).to_owned());
        events
    }

    fn indexed<'a>(&'a self, at: Option<&'a Vec<usize>>) -> impl Iterator<Item = &'a Arc<Value>> {
        at.into_iter().flatten().map(|&at| &self.objects[at])
    }
}

pub fn uid_of(object: &Value) -> Option<&str> {
    object.pointer("/metadata/uid").and_then(Value::as_str)
}

pub fn owner_uids(object: &Value) -> impl Iterator<Item = &str> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|owner| owner.get("uid").and_then(Value::as_str))
}

pub fn has_owner(object: &Value) -> bool {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| !owners.is_empty())
}

pub fn is_event(object: &Value) -> bool {
    kind_of(object) == "Event" && matches!(group_of(object), "" | "events.k8s.io")
}

/// `involvedObject.uid` (core/v1) or `regarding.uid` (events.k8s.io/v1).
fn event_subject_uid(event: &Value) -> Option<&str> {
    event
        .pointer("/involvedObject/uid")
        .or_else(|| event.pointer("/regarding/uid"))
        .and_then(Value::as_str)
}

/// The most recent time an Event records.
pub fn event_time(event: &Value) -> &str {
    [
        "/lastTimestamp",
        "/eventTime",
        "/series/lastObservedTime",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .find_map(|p| event.pointer(p).and_then(Value::as_str))
    .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn index(objects: Vec<Value>) -> LiveIndex {
        LiveIndex::new(objects.into_iter().map(Arc::new).collect())
    }

    #[test]
    fn indexes_children_events_and_tracking() {
        let live = index(vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "uid": "d1",
                    "annotations": {"plumb.dev/tracking-id": "shop:apps/Deployment:shop/web"}}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-1", "namespace": "shop", "uid": "r1",
                    "ownerReferences": [{"uid": "d1", "kind": "Deployment", "name": "web"}]}}),
            json!({"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "e", "namespace": "shop"},
                "involvedObject": {"uid": "d1"}, "reason": "ScalingReplicaSet"}),
        ]);
        let rs: Vec<_> = live.children_of("d1").collect();
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0]["metadata"]["name"], "web-1");
        assert_eq!(live.events_for("d1").len(), 1);
        assert_eq!(live.in_namespace("shop").count(), 2);
        assert_eq!(live.tracked_by(TrackingMethod::Plumb, "shop").count(), 1);
        assert_eq!(
            live.tracked_by(TrackingMethod::ArgoAnnotation, "shop")
                .count(),
            0
        );
        assert!(live.by_uid("r1").is_some());
        assert!(
            live.get(&ResourceKey::new("apps", "Deployment", "shop", "web"))
                .is_some()
        );
    }
}
