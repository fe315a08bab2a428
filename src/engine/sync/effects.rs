//! The contract with the runner: effects to perform, the outcome of each,
//! and what the cluster looks like now.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use crate::engine::health::Health;
use crate::engine::policy::Propagation;
use crate::model::ResourceKey;

/// How an object is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyMethod {
    /// `kubectl apply` (client-side, or server-side when `server_side`).
    Apply,
    /// `Replace=true` with a live object: replace (forced when `force`).
    Replace,
    /// `Replace=true` for a CRD or Namespace: update in place with the live resourceVersion.
    Update,
    /// `Replace=true` without a live object.
    Create,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteReason {
    Prune,
    /// `BeforeHookCreation`: the old hook goes before the new one is applied.
    BeforeHookCreation,
    /// `HookSucceeded` / `HookFailed` once the operation ends.
    HookPolicy,
    /// A running hook deleted because the operation is terminating.
    Terminate,
}

/// One thing the runner must do. Every effect except [`Effect::Wait`] must be
/// answered with exactly one [`EffectOutcome`] before the next step.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Apply {
        key: ResourceKey,
        object: Value,
        method: ApplyMethod,
        /// Client-side dry run: validate only. Server-side apply is never used for dry runs.
        dry_run: bool,
        /// In a dry run: report success if the API server does not know the kind.
        skip_if_kind_unknown: bool,
        server_side: bool,
        force: bool,
        validate: bool,
    },
    Delete {
        key: ResourceKey,
        propagation: Propagation,
        reason: DeleteReason,
    },
    /// Remove `argocd.argoproj.io/hook-finalizer` from the live object.
    RemoveHookFinalizer { key: ResourceKey },
    /// Pause before stepping again (the wave delay, or the wait for a retry).
    Wait { seconds: u64 },
}

impl Effect {
    pub fn key(&self) -> Option<&ResourceKey> {
        match self {
            Effect::Apply { key, .. }
            | Effect::Delete { key, .. }
            | Effect::RemoveHookFinalizer { key } => Some(key),
            Effect::Wait { .. } => None,
        }
    }

    fn batch_class(&self) -> (u8, &str) {
        match self {
            Effect::RemoveHookFinalizer { .. } => (0, ""),
            Effect::Delete { .. } => (1, ""),
            Effect::Apply { key, .. } => (2, key.kind.as_str()),
            Effect::Wait { .. } => (3, ""),
        }
    }
}

/// Splits effects into runs the runner may perform concurrently; runs are
/// performed one after another, in order. Applies of the same kind form one
/// run (Argo CD's kind groups); waits are always alone.
pub fn concurrent_batches(effects: &[Effect]) -> Vec<&[Effect]> {
    let mut batches = Vec::new();
    let mut start = 0;
    for i in 1..=effects.len() {
        let boundary = i == effects.len()
            || matches!(effects[i], Effect::Wait { .. })
            || effects[i].batch_class() != effects[start].batch_class();
        if boundary {
            batches.push(&effects[start..i]);
            start = i;
        }
    }
    batches
}

/// The result of one effect, reported by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectOutcome {
    /// Done; `message` is what the API/kubectl said (e.g. `deployment.apps/web created`).
    Done {
        key: ResourceKey,
        message: String,
    },
    /// The object did not exist (a delete or finalizer removal of a gone object).
    NotFound {
        key: ResourceKey,
    },
    Failed {
        key: ResourceKey,
        message: String,
    },
}

impl EffectOutcome {
    pub fn key(&self) -> &ResourceKey {
        match self {
            EffectOutcome::Done { key, .. }
            | EffectOutcome::NotFound { key }
            | EffectOutcome::Failed { key, .. } => key,
        }
    }
}

/// A live object as observed now, with its health (from `health::assess`).
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub live: Value,
    pub health: Option<Health>,
}

/// What the runner sees before a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub now: Timestamp,
    /// Every task object that exists now, by key; absent means not found.
    pub objects: BTreeMap<ResourceKey, Observed>,
    /// The app's `argocd.argoproj.io/deletion-approved` timestamp.
    pub deletion_approved_at: Option<Timestamp>,
    /// A sync window blocks this operation now.
    pub blocked_by_window: bool,
}

impl Observation {
    pub fn at(now: Timestamp) -> Self {
        Observation {
            now,
            objects: BTreeMap::new(),
            deletion_approved_at: None,
            blocked_by_window: false,
        }
    }

    pub fn with(mut self, key: ResourceKey, live: Value, health: Option<Health>) -> Self {
        self.objects.insert(key, Observed { live, health });
        self
    }

    pub fn get(&self, key: &ResourceKey) -> Option<&Observed> {
        self.objects.get(key)
    }
}

impl Observed {
    pub fn being_deleted(&self) -> bool {
        self.live
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|t| !t.is_null())
    }

    pub fn has_hook_finalizer(&self) -> bool {
        self.live
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| {
                f.iter()
                    .any(|v| v.as_str() == Some(crate::engine::health::HOOK_FINALIZER))
            })
    }
}
