//! The in-memory object store: objects by key, a monotonic resourceVersion,
//! and a bounded history of changes for watches.

pub mod selectors;

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;
use tokio::sync::broadcast;

use super::persist::{Journal, Recovered};
use crate::model::ResourceKey;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub struct Change {
    pub event: EventType,
    pub key: ResourceKey,
    pub object: Value,
    /// The object before a modification, to tell selector transitions.
    pub previous: Option<Value>,
    pub rv: u64,
}

/// How many changes watches can resume from before 410 Gone.
pub const HISTORY_LIMIT: usize = 2000;

#[derive(Debug)]
pub struct Store {
    objects: BTreeMap<ResourceKey, Value>,
    rv: u64,
    history: VecDeque<Change>,
    history_limit: usize,
    /// The resourceVersion of the newest change dropped from history.
    compacted: u64,
    sender: broadcast::Sender<Change>,
    journal: Option<Journal>,
}

impl Default for Store {
    fn default() -> Self {
        Self::with_history_limit(HISTORY_LIMIT)
    }
}

impl Store {
    pub fn with_history_limit(history_limit: usize) -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self {
            objects: BTreeMap::new(),
            rv: 1,
            history: VecDeque::new(),
            history_limit,
            compacted: 0,
            sender,
            journal: None,
        }
    }

    /// Keeps at most `limit` changes for watches to resume from.
    pub fn set_history_limit(&mut self, limit: usize) {
        self.history_limit = limit.max(1);
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.compacted = dropped.rv;
            }
        }
    }

    /// The current resourceVersion of the whole store.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// Restores the counter after a replay.
    pub fn set_resource_version(&mut self, rv: u64) {
        self.rv = self.rv.max(rv);
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.objects.get(key)
    }

    /// Objects of a kind, optionally in one namespace, in key order.
    pub fn list<'a>(
        &'a self,
        group: &'a str,
        kind: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects
            .iter()
            .filter(move |(k, _)| {
                k.group == group && k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns)
            })
            .map(|(_, v)| v)
    }

    pub fn all(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.objects.iter()
    }

    /// Stores `object` (new or replacing), stamping the next resourceVersion.
    pub fn put(&mut self, key: ResourceKey, mut object: Value) -> Value {
        self.rv += 1;
        set_rv(&mut object, self.rv);
        let previous = self.objects.insert(key.clone(), object.clone());
        let event = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.persist(&key, Some(&object));
        self.record(event, key, object.clone(), previous);
        object
    }

    /// Removes an object; the DELETED event carries a fresh resourceVersion.
    pub fn remove(&mut self, key: &ResourceKey) -> Option<Value> {
        let mut object = self.objects.remove(key)?;
        self.rv += 1;
        set_rv(&mut object, self.rv);
        self.persist(key, None);
        self.record(EventType::Deleted, key.clone(), object.clone(), None);
        Some(object)
    }

    /// Loads recovered state and journals every later change.
    pub fn attach(&mut self, journal: Journal, recovered: Recovered) {
        self.rv = self.rv.max(recovered.rv);
        self.objects.extend(recovered.objects);
        self.journal = Some(journal);
    }

    /// Stops journaling and releases the state directory's lock.
    pub fn detach(&mut self) {
        self.journal = None;
    }

    fn persist(&mut self, key: &ResourceKey, object: Option<&Value>) {
        let rv = self.rv;
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let written = match object {
            Some(o) => journal.put(rv, key, o),
            None => journal.remove(rv, key),
        };
        if let Err(e) = written {
            tracing::error!("sandbox journal write failed: {e}");
        }
        if journal.wants_snapshot() {
            let all: Vec<(ResourceKey, Value)> = self
                .objects
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Err(e) = journal.snapshot(rv, &all) {
                tracing::error!("sandbox snapshot failed: {e}");
            }
        }
    }

    fn record(
        &mut self,
        event: EventType,
        key: ResourceKey,
        object: Value,
        previous: Option<Value>,
    ) {
        let change = Change {
            event,
            key,
            object,
            previous,
            rv: self.rv,
        };
        if self.history.len() == self.history_limit
            && let Some(dropped) = self.history.pop_front()
        {
            self.compacted = dropped.rv;
        }
        self.history.push_back(change.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.sender.send(change);
    }

    /// Changes after `rv`, or `None` when history no longer reaches back to it.
    pub fn changes_since(&self, rv: u64) -> Option<Vec<Change>> {
        if rv < self.compacted {
            return None;
        }
        Some(self.history.iter().filter(|c| c.rv > rv).cloned().collect())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }
}

pub fn set_rv(object: &mut Value, rv: u64) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

/// The resourceVersion an object carries, if it is a number.
pub fn rv_of(object: &Value) -> Option<u64> {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> (ResourceKey, Value) {
        (
            ResourceKey::new("", "ConfigMap", "ns", name),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}),
        )
    }

    #[test]
    fn writes_bump_the_resource_version_and_record_events() {
        let mut store = Store::default();
        let (k, v) = cm("a");
        let stored = store.put(k.clone(), v);
        let first = rv_of(&stored).expect("rv");
        let again = store.put(k.clone(), stored);
        assert!(rv_of(&again).expect("rv") > first);
        store.remove(&k);
        let events: Vec<_> = store
            .changes_since(0)
            .expect("history")
            .iter()
            .map(|c| c.event)
            .collect();
        assert_eq!(
            events,
            vec![EventType::Added, EventType::Modified, EventType::Deleted]
        );
    }

    #[test]
    fn history_beyond_the_limit_is_gone() {
        let mut store = Store::with_history_limit(2);
        for name in ["a", "b", "c", "d"] {
            let (k, v) = cm(name);
            store.put(k, v);
        }
        assert!(store.changes_since(1).is_none());
        assert_eq!(store.changes_since(3).map(|c| c.len()), Some(2));
    }
}
