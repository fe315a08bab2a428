//! An in-memory [`World`] for tests: applies actions the way the API server
//! would (uids, resourceVersions, creation times, generations) and steps a
//! fake clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::util::{format_time, hash_parts};
use super::{Action, World, next_wakeup, reconcile};
use crate::model::ResourceKey;

pub struct FakeCluster {
    pub objects: BTreeMap<ResourceKey, Value>,
    pub now: Timestamp,
    next_version: u64,
}

impl World for FakeCluster {
    fn list(&self, group: &str, kind: &str) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|(k, _)| k.group == group && k.kind == kind)
            .map(|(_, v)| v)
            .collect()
    }

    fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.objects.get(key)
    }
}

impl FakeCluster {
    pub fn new() -> Self {
        Self {
            objects: BTreeMap::new(),
            now: "2026-01-01T00:00:00Z".parse().expect("fixed time"),
            next_version: 1,
        }
    }

    fn bump(&mut self) -> String {
        self.next_version += 1;
        self.next_version.to_string()
    }

    /// Stores an object as a client would create it.
    pub fn create(&mut self, mut obj: Value) -> ResourceKey {
        let key = ResourceKey::of(&obj);
        let uid = format!(
            "{:016x}",
            hash_parts(&[&key.to_string(), &self.next_version.to_string()])
        );
        let rv = self.bump();
        let has_spec = obj.get("spec").is_some();
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(uid);
        meta["resourceVersion"] = json!(rv);
        meta["creationTimestamp"] = json!(format_time(self.now));
        if key.kind != "Pod" && key.kind != "Event" && has_spec {
            meta["generation"] = json!(1);
        }
        self.objects.insert(key.clone(), obj);
        key
    }

    /// Replaces an object's spec as a client would, bumping its generation.
    pub fn edit(&mut self, key: &ResourceKey, change: impl FnOnce(&mut Value)) {
        let rv = self.bump();
        let obj = self.objects.get_mut(key).expect("object to edit exists");
        change(obj);
        let generation = obj["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
        obj["metadata"]["generation"] = json!(generation);
        obj["metadata"]["resourceVersion"] = json!(rv);
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Create { object, .. } => {
                let key = ResourceKey::of(&object);
                assert!(
                    !self.objects.contains_key(&key),
                    "duplicate create of {key}"
                );
                self.create(object);
            }
            Action::Update { object, .. } | Action::UpdateScale { object, .. } => {
                let key = ResourceKey::of(&object);
                let old = self
                    .objects
                    .get(&key)
                    .expect("updated object exists")
                    .clone();
                let rv = self.bump();
                let mut new = object;
                new["status"] = old.get("status").cloned().unwrap_or(Value::Null);
                if new.get("status") == Some(&Value::Null) {
                    new.as_object_mut().expect("object").remove("status");
                }
                let spec_changed = old.get("spec") != new.get("spec");
                let generation = old["metadata"]["generation"].as_i64();
                let sent_meta = new["metadata"].clone();
                new["metadata"] = old["metadata"].clone();
                for field in ["labels", "annotations"] {
                    if let Some(v) = sent_meta.get(field) {
                        new["metadata"][field] = v.clone();
                    }
                }
                if let (true, Some(g)) = (spec_changed, generation) {
                    new["metadata"]["generation"] = json!(g + 1);
                }
                new["metadata"]["resourceVersion"] = json!(rv);
                self.objects.insert(key, new);
            }
            Action::UpdateStatus { object, .. } => {
                let key = ResourceKey::of(&object);
                let rv = self.bump();
                let stored = self.objects.get_mut(&key).expect("status target exists");
                stored["status"] = object["status"].clone();
                stored["metadata"]["resourceVersion"] = json!(rv);
            }
            Action::Delete { key, .. } => {
                let uid = self.objects.get(&key).map(|o| o["metadata"]["uid"].clone());
                self.objects.remove(&key);
                if let Some(uid) = uid {
                    self.collect_garbage(&uid);
                }
            }
        }
    }

    /// Deletes dependents of a deleted owner, as the garbage collector does.
    fn collect_garbage(&mut self, owner_uid: &Value) {
        let dependents: Vec<ResourceKey> = self
            .objects
            .iter()
            .filter(|(_, o)| {
                o["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| &r["uid"] == owner_uid))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in dependents {
            self.apply(Action::Delete { key, grace: None });
        }
    }

    /// Reconciles until nothing more happens at the current time; returns how many writes were made.
    pub fn settle(&mut self) -> usize {
        let mut total = 0;
        for round in 0..200 {
            let actions = reconcile(self, self.now);
            if actions.is_empty() {
                return total;
            }
            if round == 199 {
                panic!("controllers did not converge at {}: {actions:#?}", self.now);
            }
            total += actions.len();
            for action in actions {
                self.apply(action);
            }
        }
        panic!("controllers did not converge at {}", self.now);
    }

    /// Advances the clock through every wake-up up to `seconds` from now, settling at each.
    pub fn run_for(&mut self, seconds: i64) {
        let end = self.now + jiff::SignedDuration::from_secs(seconds);
        self.settle();
        while let Some(t) = next_wakeup(self, self.now).filter(|t| *t <= end) {
            self.now = t;
            self.settle();
        }
        self.now = end;
        self.settle();
    }

    pub fn get_obj(&self, group: &str, kind: &str, ns: &str, name: &str) -> &Value {
        self.objects
            .get(&ResourceKey::new(group, kind, ns, name))
            .unwrap_or_else(|| panic!("{kind} {ns}/{name} exists"))
    }

    pub fn all(&self, group: &str, kind: &str) -> Vec<&Value> {
        self.list(group, kind)
    }

    pub fn events_with_reason(&self, reason: &str) -> Vec<&Value> {
        self.list("", "Event")
            .into_iter()
            .filter(|e| e["reason"] == reason)
            .collect()
    }
}
