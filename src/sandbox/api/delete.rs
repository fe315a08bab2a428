//! DELETE with propagation policies, finalizers and the garbage collector
//! (owner references, foreground deletion, namespace termination).

use serde_json::{Value, json};

use super::meta::{finalizers, is_deleting, meta_mut, set_finalizers, uid_of};
use super::{State, Target, WriteOptions, served_as};
use crate::model::ResourceKey;
use crate::sandbox::clock::format_time;
use crate::sandbox::errors::ApiError;

/// How dependents are treated when their owner goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        match s {
            "Background" => Ok(Self::Background),
            "Foreground" => Ok(Self::Foreground),
            "Orphan" => Ok(Self::Orphan),
            other => Err(ApiError::bad_request(format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            ))),
        }
    }
}

/// Options of one DELETE.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Option<Propagation>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    /// `gracePeriodSeconds`; `None`: the object's own (pods).
    pub grace_period: Option<i64>,
}

/// What a DELETE answers: the object when it stays (finalizers), else a
/// Success Status.
pub fn delete(
    state: &mut State,
    target: &Target,
    opts: &DeleteOptions,
    write: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Value, ApiError> {
    let resource = &target.resource;
    let name = target.name()?.to_owned();
    let key = target.key(&name);
    let live = state
        .store
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(resource, &name))?;
    if let Some(uid) = &opts.precondition_uid
        && uid != uid_of(&live)
    {
        return Err(ApiError::conflict(resource, &name));
    }
    if let Some(rv) = &opts.precondition_rv
        && Some(rv.as_str()) != super::meta::meta_str(&live, "resourceVersion")
    {
        return Err(ApiError::conflict(resource, &name));
    }
    if resource.group.is_empty() && resource.kind == "Pod" {
        let grace = super::pod_grace::grace_period(&live, opts.grace_period);
        if grace > 0 {
            let extra = match opts.propagation {
                Some(Propagation::Foreground) => Some("foregroundDeletion"),
                Some(Propagation::Orphan) => Some("orphan"),
                _ => None,
            };
            let Some(marked) = super::pod_grace::marked(&live, grace, extra, now) else {
                return Ok(served_as(resource, live));
            };
            if write.dry_run {
                return Ok(served_as(resource, marked));
            }
            let stored = state.store.put(key, marked)?;
            return Ok(served_as(resource, stored));
        }
    }
    let success = success_status(target, &name, uid_of(&live));
    let is_namespace = resource.group.is_empty() && resource.kind == "Namespace";
    let mut list = finalizers(&live);
    match opts.propagation {
        Some(Propagation::Foreground) => push_unique(&mut list, "foregroundDeletion"),
        Some(Propagation::Orphan) => push_unique(&mut list, "orphan"),
        _ => {}
    }
    if list.is_empty() && !is_namespace {
        if !write.dry_run {
            state.store.remove(&key)?;
            collect_garbage(state, now);
        }
        return Ok(success);
    }
    let mut marked = live.clone();
    if !is_deleting(&marked)
        && let Some(m) = meta_mut(&mut marked)
    {
        m.insert("deletionTimestamp".into(), json!(format_time(now)));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
    set_finalizers(&mut marked, list);
    if is_namespace {
        if let Some(m) = meta_mut(&mut marked) {
            m.remove("deletionGracePeriodSeconds");
        }
        if let Some(map) = marked.as_object_mut() {
            map.insert("status".into(), json!({"phase": "Terminating"}));
        }
    }
    super::meta::canonicalize(&mut marked);
    if write.dry_run {
        return Ok(served_as(resource, marked));
    }
    let stored = state.store.put(key, marked)?;
    collect_garbage(state, now);
    Ok(served_as(resource, stored))
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|f| f == item) {
        list.push(item.to_owned());
    }
}

fn success_status(target: &Target, name: &str, uid: &str) -> Value {
    let mut details = serde_json::Map::new();
    details.insert("name".into(), json!(name));
    if !target.resource.group.is_empty() {
        details.insert("group".into(), json!(target.resource.group));
    }
    details.insert("kind".into(), json!(target.resource.plural));
    details.insert("uid".into(), json!(uid));
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": details})
}

fn owner_uids(object: &Value) -> Vec<(String, bool)> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| {
                    let uid = r.get("uid")?.as_str()?.to_owned();
                    let blocks = r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true);
                    Some((uid, blocks))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One step of the collector: the first change it would make, if any.
enum Step {
    Remove(ResourceKey),
    Put(ResourceKey, Value),
}

fn next_step(state: &State, now: jiff::Timestamp) -> Option<Step> {
    let live_uids: std::collections::HashSet<&str> =
        state.store.all().map(|(_, o)| uid_of(o)).collect();
    for (key, object) in state.store.all() {
        let uid = uid_of(object);
        let dependents = || {
            state
                .store
                .all()
                .filter(move |(_, o)| owner_uids(o).iter().any(|(u, _)| u == uid))
        };
        if is_deleting(object) {
            let mut list = finalizers(object);
            if list.iter().any(|f| f == "orphan") {
                if let Some((dep_key, dep)) = dependents().next() {
                    let mut dep = dep.clone();
                    strip_owner(&mut dep, uid);
                    return Some(Step::Put(dep_key.clone(), dep));
                }
                list.retain(|f| f != "orphan");
                return Some(finish(key, object, list));
            }
            if list.iter().any(|f| f == "foregroundDeletion") {
                for (dep_key, dep) in dependents() {
                    if !is_deleting(dep) {
                        return Some(mark_or_remove(dep_key, dep, now));
                    }
                }
                let blocked = dependents()
                    .any(|(_, d)| owner_uids(d).iter().any(|(u, blocks)| u == uid && *blocks));
                if !blocked {
                    list.retain(|f| f != "foregroundDeletion");
                    return Some(finish(key, object, list));
                }
            }
            if key.kind == "Namespace" && key.group.is_empty() {
                let name = key.name.as_str();
                let contents: Vec<(&ResourceKey, &Value)> = state
                    .store
                    .all()
                    .filter(|(k, _)| k.namespace == name)
                    .collect();
                for (k, o) in &contents {
                    if !is_deleting(o) {
                        return Some(mark_or_remove(k, o, now));
                    }
                }
                if contents.is_empty() {
                    return Some(Step::Remove(key.clone()));
                }
            }
            continue;
        }
        let owners = owner_uids(object);
        if !owners.is_empty() && owners.iter().all(|(u, _)| !live_uids.contains(u.as_str())) {
            return Some(mark_or_remove(key, object, now));
        }
    }
    None
}

fn strip_owner(object: &mut Value, owner_uid: &str) {
    if let Some(m) = meta_mut(object) {
        if let Some(Value::Array(refs)) = m.get_mut("ownerReferences") {
            refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(owner_uid));
        }
        if m.get("ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            m.remove("ownerReferences");
        }
    }
}

/// Deletes a dependent in the background: removed now, or marked when it
/// has finalizers of its own.
fn mark_or_remove(key: &ResourceKey, object: &Value, now: jiff::Timestamp) -> Step {
    if finalizers(object).is_empty() {
        return Step::Remove(key.clone());
    }
    let mut marked = object.clone();
    if let Some(m) = meta_mut(&mut marked) {
        m.insert("deletionTimestamp".into(), json!(format_time(now)));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
    Step::Put(key.clone(), marked)
}

fn finish(key: &ResourceKey, object: &Value, list: Vec<String>) -> Step {
    if list.is_empty() && key.kind != "Namespace" {
        return Step::Remove(key.clone());
    }
    let mut next = object.clone();
    set_finalizers(&mut next, list);
    Step::Put(key.clone(), next)
}

/// Runs the garbage collector until nothing is left to do.
pub fn collect_garbage(state: &mut State, now: jiff::Timestamp) {
    crate::sandbox::crd::sync(state, now);
    if !state.store.take_collectable() {
        return;
    }
    // Each step removes an object, a finalizer or an owner reference, so the
    // loop ends; the bound guards against a cycle in bad data.
    for _ in 0..100_000 {
        let done = match next_step(state, now) {
            None => return,
            Some(Step::Remove(key)) => state.store.remove(&key).map(drop),
            Some(Step::Put(key, mut object)) => {
                super::meta::canonicalize(&mut object);
                if is_deleting(&object) && finalizers(&object).is_empty() && key.kind != "Namespace"
                {
                    state
                        .store
                        .put(key.clone(), object)
                        .and_then(|_| state.store.remove(&key))
                        .map(drop)
                } else {
                    state.store.put(key, object).map(drop)
                }
            }
        };
        if let Err(e) = done {
            // The collector runs again after the next write.
            tracing::error!("garbage collection stopped: {}", e.message);
            return;
        }
    }
}
