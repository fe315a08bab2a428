//! One app's desired state against its cluster's live state (§5, §6.5, §7.4):
//! per-resource sync status, health, diff and blame, the app's sync status,
//! health and conditions, and its resource tree. Pure: the caller brings the
//! rendered objects, the live index and the settings.
//!
//! ```ignore
//! let comparison = compare_app(&CompareInput { app, project, desired: Ok(&objects), .. });
//! ```

mod hooks;
mod orphans;
mod resource;
mod targets;
mod unreadable;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::diff::IgnoreRules;
use super::health::{Health, HealthConfig};
use super::live::LiveIndex;
use super::tracking::TrackingMethod;
use super::tree::TreeNode;
use crate::model::{AppProject, Application, ResourceKey};

pub use hooks::{Role, role};
pub use resource::{BlameLine, ResourceResult};
pub use targets::{Target, prepare as prepare_targets};
pub use unreadable::mark_unreadable;

/// Whether a kind is namespaced (`None`: discovery does not know it).
pub type ScopeLookup<'a> = dyn Fn(&str, &str) -> Option<bool> + Sync + 'a;

/// Sync status codes (§8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    Unknown,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Synced => "Synced",
            SyncStatus::OutOfSync => "OutOfSync",
            SyncStatus::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ConditionType {
    ComparisonError,
    /// The project does not permit a source or the destination.
    InvalidSpecError,
    SharedResourceWarning,
    RepeatedResourceWarning,
    OrphanedResourceWarning,
    /// Automated sync refused to run (a failed revision, a wipe-out);
    /// set by the reconcile loop, not by a comparison.
    SyncError,
    /// The app keeps the spec its ApplicationSet generated at its first
    /// operation (`applicationsSync` forbids updates); set by the loop and
    /// the CLI, not by a comparison.
    ApplicationSetWarning,
}

/// An app condition (Argo CD's `status.conditions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: ConditionType,
    pub message: String,
}

impl Condition {
    pub fn new(kind: ConditionType, message: impl Into<String>) -> Self {
        Condition {
            kind,
            message: message.into(),
        }
    }
}

/// Everything one comparison needs.
pub struct CompareInput<'a> {
    pub app: &'a Application,
    pub project: &'a AppProject,
    /// The rendered desired objects, or why they could not be rendered.
    pub desired: Result<&'a [Value], String>,
    /// The revision(s) the desired objects were rendered from.
    pub revisions: Vec<String>,
    pub scope: &'a ScopeLookup<'a>,
    /// The live state of the app's cluster, or why it cannot be read.
    pub live: Result<&'a LiveIndex, String>,
    pub ignore: &'a IgnoreRules,
    pub health: &'a HealthConfig,
    pub tracking: TrackingMethod,
    /// Server-side diff: the objects a server-side apply dry run returned,
    /// by the target's key. `None` compares with the local merge.
    pub predicted_live: Option<&'a HashMap<ResourceKey, Value>>,
}

/// The result of comparing one app.
#[derive(Debug, Clone, Serialize)]
pub struct AppComparison {
    pub app: String,
    pub sync: SyncStatus,
    pub health: Health,
    pub revisions: Vec<String>,
    pub conditions: Vec<Condition>,
    pub resources: Vec<ResourceResult>,
    /// Orphaned objects in the destination namespace, when the project asks.
    pub orphaned: Vec<ResourceKey>,
    pub tree: Vec<TreeNode>,
    /// The destination namespace is live (`CreateNamespace` then has
    /// nothing to create).
    pub namespace_live: bool,
    /// Desired hooks that are not live: not app resources (as in Argo CD),
    /// but the next sync runs them.
    #[serde(skip)]
    pub pending_hooks: Vec<ResourceResult>,
}

impl AppComparison {
    pub fn resource(&self, key: &ResourceKey) -> Option<&ResourceResult> {
        self.resources.iter().find(|r| &r.key == key)
    }
}

/// Compares one app.
pub fn compare_app(input: &CompareInput<'_>) -> AppComparison {
    resource::compare(input)
}
