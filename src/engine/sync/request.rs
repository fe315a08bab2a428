//! What a sync is asked to do, and the resources it works on.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::retry::RetryPolicy;
use crate::engine::policy::SyncOptions;
use crate::model::{ApplicationSource, ManagedNamespaceMetadata, ResourceKey};

/// `syncStrategy`: `hook` (the default) runs hooks; `apply` (and every
/// rollback) skips them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Strategy {
    #[default]
    Hook,
    Apply,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InitiatedBy {
    pub username: String,
    pub automated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The resolved revision (a commit SHA for Git sources).
    pub revision: String,
    /// The source(s) synced, recorded in history.
    pub sources: Vec<ApplicationSource>,
    pub prune: bool,
    pub dry_run: bool,
    /// Selective sync: only these resources, no hooks, no history entry.
    pub resources: Option<Vec<ResourceKey>>,
    pub strategy: Strategy,
    pub force: bool,
    pub options: SyncOptions,
    pub initiated_by: InitiatedBy,
    /// Started by self-heal: no hooks.
    pub self_heal: bool,
    /// `autoHealAttemptsCount` carried by this operation.
    pub auto_heal_attempts: u32,
    pub started_at: Timestamp,
    pub retry: Option<RetryPolicy>,
    /// Labels and annotations for a namespace created by `CreateNamespace=true`.
    pub managed_namespace_metadata: Option<ManagedNamespaceMetadata>,
}

impl SyncRequest {
    /// A manual, hook-strategy request with no options.
    pub fn new(revision: &str, started_at: Timestamp) -> Self {
        SyncRequest {
            revision: revision.to_owned(),
            sources: Vec::new(),
            prune: false,
            dry_run: false,
            resources: None,
            strategy: Strategy::Hook,
            force: false,
            options: SyncOptions::parse(&[]),
            initiated_by: InitiatedBy::default(),
            self_heal: false,
            auto_heal_attempts: 0,
            started_at,
            retry: None,
            managed_namespace_metadata: None,
        }
    }

    /// Hooks are skipped for the apply strategy, selective syncs and self-heal.
    pub fn skips_hooks(&self) -> bool {
        self.strategy == Strategy::Apply || self.resources.is_some() || self.self_heal
    }

    pub fn is_selective(&self) -> bool {
        self.resources.is_some()
    }
}

/// One resource of the app as the comparison sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub key: ResourceKey,
    /// The desired object, rendered from Git.
    pub target: Option<Value>,
    pub live: Option<Value>,
    /// The diff says target and live differ.
    pub modified: bool,
    pub requires_pruning: bool,
    /// The project check for this kind: `Err(message)` when not permitted.
    pub permitted: Result<(), String>,
}

impl Resource {
    /// A resource known only from Git (to be created).
    pub fn desired(target: Value) -> Self {
        Resource {
            key: ResourceKey::of(&target),
            target: Some(target),
            live: None,
            modified: true,
            requires_pruning: false,
            permitted: Ok(()),
        }
    }

    /// A resource present in Git and live.
    pub fn existing(target: Value, live: Value, modified: bool) -> Self {
        Resource {
            key: ResourceKey::of(&live),
            target: Some(target),
            live: Some(live),
            modified,
            requires_pruning: false,
            permitted: Ok(()),
        }
    }

    /// A live-only resource (a prune candidate).
    pub fn orphan(live: Value) -> Self {
        Resource {
            key: ResourceKey::of(&live),
            target: None,
            live: Some(live),
            modified: true,
            requires_pruning: true,
            permitted: Ok(()),
        }
    }
}
