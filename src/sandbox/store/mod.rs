//! The in-memory object store: objects by key, a monotonic resourceVersion,
//! and a bounded history of changes for watches.

pub mod selectors;

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;
use tokio::sync::broadcast;

use super::errors::ApiError;
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
    /// Set by changes that may give the garbage collector work.
    collectable: bool,
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
            collectable: false,
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

    /// Objects of a kind, optionally in one namespace, in key order. Keys
    /// sort by group, kind, namespace and name, so this is one range.
    pub fn list<'a>(
        &'a self,
        group: &'a str,
        kind: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        let start = ResourceKey::new(group, kind, namespace.unwrap_or(""), "");
        self.objects
            .range(start..)
            .take_while(move |(k, _)| {
                k.group == group && k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns)
            })
            .map(|(_, v)| v)
    }

    /// Every object of a kind, in all namespaces.
    pub fn of_kind(&self, group: &str, kind: &str) -> Vec<&Value> {
        let start = ResourceKey::new(group, kind, "", "");
        self.objects
            .range(start..)
            .take_while(|(k, _)| k.group == group && k.kind == kind)
            .map(|(_, v)| v)
            .collect()
    }

    /// Whether a change since the last call may have given the garbage
    /// collector work: a removal, an object being deleted, or new owner
    /// references. Clears the mark.
    pub fn take_collectable(&mut self) -> bool {
        std::mem::take(&mut self.collectable)
    }

    pub fn all(&self) -> impl Iterator<Item = (&ResourceKey, &Value)> {
        self.objects.iter()
    }

    /// Stores `object` (new or replacing), stamping the next resourceVersion.
    /// The change is journaled before it is visible; when the journal cannot
    /// take it, nothing changes and the error is returned.
    pub fn put(&mut self, key: ResourceKey, mut object: Value) -> Result<Value, ApiError> {
        set_rv(&mut object, self.rv + 1);
        self.persist(self.rv + 1, &key, Some(&object))?;
        self.rv += 1;
        let previous = self.objects.insert(key.clone(), object.clone());
        let owners = |o: &Value| o.pointer("/metadata/ownerReferences").cloned();
        let deleting = object
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|t| !t.is_null());
        let new_owners =
            owners(&object).is_some() && previous.as_ref().and_then(owners) != owners(&object);
        self.collectable |= deleting || new_owners;
        let event = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(event, key, object.clone(), previous);
        self.snapshot_when_due();
        Ok(object)
    }

    /// Removes an object; the DELETED event carries a fresh resourceVersion.
    /// Journaled first, like [`Store::put`].
    pub fn remove(&mut self, key: &ResourceKey) -> Result<Option<Value>, ApiError> {
        if !self.objects.contains_key(key) {
            return Ok(None);
        }
        self.persist(self.rv + 1, key, None)?;
        self.rv += 1;
        let Some(mut object) = self.objects.remove(key) else {
            return Ok(None);
        };
        set_rv(&mut object, self.rv);
        self.collectable = true;
        self.record(EventType::Deleted, key.clone(), object.clone(), None);
        self.snapshot_when_due();
        Ok(Some(object))
    }

    /// Loads recovered state and journals every later change.
    pub fn attach(&mut self, journal: Journal, recovered: Recovered) {
        self.rv = self.rv.max(recovered.rv);
        self.objects.extend(recovered.objects);
        self.collectable = true;
        self.journal = Some(journal);
    }

    /// Stops journaling and releases the state directory's lock.
    pub fn detach(&mut self) {
        self.journal = None;
    }

    fn persist(
        &mut self,
        rv: u64,
        key: &ResourceKey,
        object: Option<&Value>,
    ) -> Result<(), ApiError> {
        let Some(journal) = self.journal.as_mut() else {
            return Ok(());
        };
        let written = match object {
            Some(o) => journal.put(rv, key, o),
            None => journal.remove(rv, key),
        };
        written.map_err(|e| {
            tracing::error!("sandbox journal write failed: {e}");
            ApiError::internal(format!(
                "the sandbox could not persist the change to {key}: {e}"
            ))
        })
    }

    /// Folds the journal into a snapshot once it has grown enough. A failed
    /// snapshot loses nothing: the journal still holds every change.
    fn snapshot_when_due(&mut self) {
        let rv = self.rv;
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
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
        let stored = store.put(k.clone(), v).expect("put");
        let first = rv_of(&stored).expect("rv");
        let again = store.put(k.clone(), stored).expect("put");
        assert!(rv_of(&again).expect("rv") > first);
        store.remove(&k).expect("remove");
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
            store.put(k, v).expect("put");
        }
        assert!(store.changes_since(1).is_none());
        assert_eq!(store.changes_since(3).map(|c| c.len()), Some(2));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_write_the_journal_refuses_fails_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::default();
        let (kept, v) = cm("kept");
        store.put(kept.clone(), v).expect("in memory");
        store.attach(Journal::failing_for_tests(dir.path()), Recovered::default());
        let rv = store.resource_version();
        let (k, v) = cm("refused");
        let err = store.put(k.clone(), v).expect_err("the journal is full");
        assert_eq!((err.code, err.reason), (500, "InternalError"));
        assert!(
            err.message.starts_with("Internal error occurred: "),
            "{}",
            err.message
        );
        assert!(store.get(&k).is_none());
        assert!(store.remove(&kept).is_err());
        assert!(store.get(&kept).is_some());
        assert_eq!(store.resource_version(), rv);
        assert_eq!(store.changes_since(rv).map(|c| c.len()), Some(0));
    }

    #[test]
    fn listing_a_kind_is_one_range_and_collectable_changes_are_marked() {
        let mut store = Store::default();
        let key = |kind: &str, ns: &str, name: &str| ResourceKey::new("", kind, ns, name);
        for (k, ns, name) in [
            ("ConfigMap", "a", "x"),
            ("ConfigMap", "b", "y"),
            ("ConfigMaq", "a", "z"),
            ("Config", "a", "w"),
        ] {
            let object = json!({"metadata": {"name": name, "namespace": ns}});
            store.put(key(k, ns, name), object).expect("put");
        }
        let names = |ns: Option<&str>| -> Vec<String> {
            store
                .list("", "ConfigMap", ns)
                .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        assert_eq!(names(None), ["x", "y"]);
        assert_eq!(names(Some("b")), ["y"]);
        assert_eq!(store.of_kind("", "ConfigMap").len(), 2);
        assert!(
            !store.take_collectable(),
            "plain objects give the collector nothing to do"
        );
        let owned = json!({"metadata": {"name": "p", "ownerReferences": [{"uid": "u"}]}});
        store.put(key("Pod", "a", "p"), owned.clone()).expect("put");
        assert!(store.take_collectable());
        store.put(key("Pod", "a", "p"), owned).expect("put");
        assert!(!store.take_collectable(), "unchanged owner references");
        store.remove(&key("Config", "a", "w")).expect("remove");
        assert!(store.take_collectable());
    }
}
