//! The state of one reconcile pass: the world, the time, the writes collected
//! so far and the earliest time-based change noticed.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use jiff::Timestamp;
use serde_json::Value;

use super::{Action, World};
use crate::model::ResourceKey;

/// Objects of one kind by the uid of their controller.
type ControlledIndex<'a> = HashMap<String, Vec<&'a Value>>;

pub struct Ctx<'a> {
    pub world: &'a dyn World,
    pub now: Timestamp,
    pub actions: Vec<Action>,
    pub wakeup: Option<Timestamp>,
    written: HashSet<ResourceKey>,
    /// Built on first use in a pass, so finding an owner's children costs
    /// one look-up rather than a scan of the kind.
    controlled: RefCell<HashMap<(String, String), Rc<ControlledIndex<'a>>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(world: &'a dyn World, now: Timestamp) -> Self {
        Self {
            world,
            now,
            actions: Vec::new(),
            wakeup: None,
            written: HashSet::new(),
            controlled: RefCell::new(HashMap::new()),
        }
    }

    /// The objects of a kind whose controller ownerReference is `owner`.
    pub fn controlled(&self, group: &str, kind: &str, owner: &Value) -> Vec<&'a Value> {
        let uid = super::util::uid_of(owner);
        let key = (group.to_owned(), kind.to_owned());
        let index = self
            .controlled
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| Rc::new(self.index_controlled(group, kind)))
            .clone();
        index.get(uid).cloned().unwrap_or_default()
    }

    fn index_controlled(&self, group: &str, kind: &str) -> ControlledIndex<'a> {
        let mut index: ControlledIndex<'a> = HashMap::new();
        for object in self.world.list(group, kind) {
            if let Some(uid) = super::util::controller_uid(object) {
                index.entry(uid.to_owned()).or_default().push(object);
            }
        }
        index
    }

    /// Notes that something will change at `t`; times not after now are ignored.
    pub fn wake_at(&mut self, t: Timestamp) {
        if t > self.now && self.wakeup.is_none_or(|w| t < w) {
            self.wakeup = Some(t);
        }
    }

    pub fn list(&self, group: &str, kind: &str) -> Vec<&'a Value> {
        self.world.list(group, kind)
    }

    /// Objects of a kind in one namespace.
    pub fn list_in(&self, group: &str, kind: &str, namespace: &str) -> Vec<&'a Value> {
        self.world
            .list(group, kind)
            .into_iter()
            .filter(|o| crate::model::namespace_of(o) == namespace)
            .collect()
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&'a Value> {
        self.world.get(key)
    }

    /// Claims an object for one write in this pass; false when it already has one.
    fn claim(&mut self, key: ResourceKey) -> bool {
        self.written.insert(key)
    }

    /// Creates an object unless it exists or is already being written.
    pub fn create(&mut self, manager: &str, object: Value) -> bool {
        let key = ResourceKey::of(&object);
        if self.world.get(&key).is_some() || !self.claim(key) {
            return false;
        }
        self.actions.push(Action::Create {
            manager: manager.to_owned(),
            object,
        });
        true
    }

    pub fn update(&mut self, manager: &str, object: Value) -> bool {
        if !self.claim(ResourceKey::of(&object)) {
            return false;
        }
        self.actions.push(Action::Update {
            manager: manager.to_owned(),
            object,
        });
        true
    }

    /// Sets `object`'s replicas to `replicas` through the scale subresource.
    pub fn update_scale(&mut self, manager: &str, object: &Value, replicas: i64) -> bool {
        if !self.claim(ResourceKey::of(object)) {
            return false;
        }
        let mut scaled = object.clone();
        scaled["spec"]["replicas"] = replicas.into();
        self.actions.push(Action::UpdateScale {
            manager: manager.to_owned(),
            object: scaled,
        });
        true
    }

    /// Writes `status` on `object` unless it already has exactly that status.
    pub fn update_status(&mut self, manager: &str, object: &Value, status: Value) -> bool {
        if object.get("status") == Some(&status) {
            return false;
        }
        if !self.claim(ResourceKey::of(object)) {
            return false;
        }
        let mut updated = object.clone();
        if let Some(map) = updated.as_object_mut() {
            map.insert("status".into(), status);
        }
        self.actions.push(Action::UpdateStatus {
            manager: manager.to_owned(),
            object: updated,
        });
        true
    }

    pub fn delete(&mut self, object: &Value) -> bool {
        let key = ResourceKey::of(object);
        if !self.claim(key.clone()) {
            return false;
        }
        self.actions.push(Action::Delete { key, grace: None });
        true
    }

    /// The kubelet's last word on a pod marked for deletion: gone now.
    pub fn confirm_deletion(&mut self, pod: &Value) -> bool {
        let key = ResourceKey::of(pod);
        if !self.claim(key.clone()) {
            return false;
        }
        self.actions.push(Action::Delete {
            key,
            grace: Some(0),
        });
        true
    }
}
