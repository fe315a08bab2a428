//! Shared helpers for the sync tests: object builders and a simulated runner
//! that performs effects on an in-memory cluster.
#![allow(dead_code)]

use std::collections::BTreeMap;

use jiff::Timestamp;
use plumb::engine::health::Health;
use plumb::engine::sync::{
    Effect, EffectOutcome, Observation, Resource, SyncOperation, SyncRequest,
};
use plumb::model::ResourceKey;
use serde_json::{Value, json};

pub fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("valid timestamp")
}

pub const REVISION: &str = "0123456789abcdef0123456789abcdef01234567";

pub fn request() -> SyncRequest {
    let mut r = SyncRequest::new(REVISION, ts(1_700_000_000));
    r.prune = true;
    r
}

/// An object with optional annotations given as `key=value` pairs.
pub fn object(
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
    annotations: &[(&str, &str)],
) -> Value {
    let mut meta = json!({"name": name});
    if !namespace.is_empty() {
        meta["namespace"] = json!(namespace);
    }
    if !annotations.is_empty() {
        let map: serde_json::Map<String, Value> = annotations
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        meta["annotations"] = Value::Object(map);
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": meta})
}

pub fn wave(n: i32) -> String {
    n.to_string()
}

pub fn cm(name: &str, wave: i32) -> Value {
    object(
        "v1",
        "ConfigMap",
        "app",
        name,
        &[("argocd.argoproj.io/sync-wave", &wave.to_string())],
    )
}

pub fn deploy(name: &str, wave: i32) -> Value {
    object(
        "apps/v1",
        "Deployment",
        "app",
        name,
        &[("argocd.argoproj.io/sync-wave", &wave.to_string())],
    )
}

/// A Job hook with `generateName` and the given hook/delete-policy annotations.
pub fn job_hook(generate_name: &str, hook: &str, policy: Option<&str>) -> Value {
    let mut obj = object(
        "batch/v1",
        "Job",
        "app",
        "",
        &[("argocd.argoproj.io/hook", hook)],
    );
    let meta = obj["metadata"].as_object_mut().expect("metadata");
    meta.remove("name");
    meta.insert("generateName".into(), json!(generate_name));
    if let Some(p) = policy {
        obj["metadata"]["annotations"]["argocd.argoproj.io/hook-delete-policy"] = json!(p);
    }
    obj
}

pub fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ResourceKey {
    ResourceKey::new(group, kind, namespace, name)
}

pub fn start(resources: Vec<Resource>, request: SyncRequest) -> SyncOperation {
    SyncOperation::start("guestbook", "app", request, resources, false)
}

/// An in-memory cluster: live objects and the health each reports.
#[derive(Default)]
pub struct Sim {
    pub now: i64,
    pub live: BTreeMap<ResourceKey, Value>,
    pub health: BTreeMap<ResourceKey, Health>,
    /// Applies (real or dry-run) of these keys fail with the message.
    pub fail_apply: BTreeMap<ResourceKey, String>,
    pub fail_dry_run: BTreeMap<ResourceKey, String>,
    /// Deleting leaves the object with a deletionTimestamp instead of removing it.
    pub slow_delete: bool,
    pub deletion_approved_at: Option<Timestamp>,
    /// Every effect performed, in order.
    pub log: Vec<String>,
}

impl Sim {
    pub fn new() -> Self {
        Sim {
            now: 1_700_000_000,
            ..Default::default()
        }
    }

    pub fn observe(&self) -> Observation {
        let mut obs = Observation::at(ts(self.now));
        obs.deletion_approved_at = self.deletion_approved_at;
        for (k, v) in &self.live {
            obs = obs.with(k.clone(), v.clone(), self.health.get(k).cloned());
        }
        obs
    }

    /// One step plus performing its effects; returns the effects.
    pub fn step(&mut self, op: &mut SyncOperation) -> Vec<Effect> {
        let effects = op.step(&self.observe());
        for effect in &effects {
            if let Some(outcome) = self.perform(effect) {
                op.record(outcome);
            }
        }
        effects
    }

    /// Steps until the operation is done or `max` steps ran.
    pub fn run(&mut self, op: &mut SyncOperation, max: usize) {
        for _ in 0..max {
            if op.is_done() {
                return;
            }
            self.step(op);
        }
    }

    fn perform(&mut self, effect: &Effect) -> Option<EffectOutcome> {
        match effect {
            Effect::Apply {
                key,
                object,
                dry_run,
                ..
            } => {
                let label = if *dry_run { "dry-run" } else { "apply" };
                self.log.push(format!("{label} {}/{}", key.kind, key.name));
                let failures = if *dry_run {
                    &self.fail_dry_run
                } else {
                    &self.fail_apply
                };
                if let Some(message) = failures.get(key) {
                    return Some(EffectOutcome::Failed {
                        key: key.clone(),
                        message: message.clone(),
                    });
                }
                if !dry_run {
                    self.live.insert(key.clone(), object.clone());
                }
                Some(EffectOutcome::Done {
                    key: key.clone(),
                    message: format!("{} created", key.name),
                })
            }
            Effect::Delete { key, .. } => {
                self.log.push(format!("delete {}/{}", key.kind, key.name));
                if !self.live.contains_key(key) {
                    return Some(EffectOutcome::NotFound { key: key.clone() });
                }
                if self.slow_delete {
                    if let Some(obj) = self.live.get_mut(key) {
                        obj["metadata"]["deletionTimestamp"] = json!("2023-11-14T22:13:20Z");
                    }
                } else {
                    self.live.remove(key);
                }
                Some(EffectOutcome::Done {
                    key: key.clone(),
                    message: String::new(),
                })
            }
            Effect::RemoveHookFinalizer { key } => {
                self.log
                    .push(format!("unfinalize {}/{}", key.kind, key.name));
                match self.live.get_mut(key) {
                    None => Some(EffectOutcome::NotFound { key: key.clone() }),
                    Some(obj) => {
                        if let Some(meta) = obj["metadata"].as_object_mut() {
                            meta.remove("finalizers");
                        }
                        Some(EffectOutcome::Done {
                            key: key.clone(),
                            message: String::new(),
                        })
                    }
                }
            }
            Effect::Wait { seconds } => {
                self.log.push(format!("wait {seconds}"));
                self.now += *seconds as i64;
                None
            }
        }
    }

    /// Finishes deletions left pending by `slow_delete`.
    pub fn finish_deletions(&mut self) {
        self.live
            .retain(|_, v| v.pointer("/metadata/deletionTimestamp").is_none());
    }
}
