//! Resource health exactly as Argo CD computes it: the per-object assessment
//! (deletion, configured Lua, bundled Lua, built-in checks), hook phases
//! derived from health, and application health aggregation.

mod aggregate;
mod apiservice;
mod builtin;
mod bundled;
mod config;
mod daemonset;
mod deployment;
mod fields;
mod hook;
mod hpa;
mod job;
mod lua;
mod pod;
mod pvc;
mod replicaset;
mod service;
mod statefulset;
mod workflow;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{group_of, kind_of};

pub use aggregate::{AppResourceHealth, aggregate, resource_health};
pub use config::{HealthConfig, HealthConfigError, ScriptOverride};
pub use hook::{HookPhase, hook_phase, is_hook};
pub use pod::IGNORE_RESTART_POLICY_ANNOTATION;

/// Argo CD's health codes. The derived order is Argo's precedence from best
/// to worst: `Healthy < Suspended < Progressing < Missing < Degraded < Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealthStatus {
    Healthy,
    Suspended,
    Progressing,
    Missing,
    Degraded,
    Unknown,
}

impl HealthStatus {
    pub const ALL: [HealthStatus; 6] = [
        HealthStatus::Healthy,
        HealthStatus::Suspended,
        HealthStatus::Progressing,
        HealthStatus::Missing,
        HealthStatus::Degraded,
        HealthStatus::Unknown,
    ];

    /// The code as Argo CD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "Healthy",
            HealthStatus::Suspended => "Suspended",
            HealthStatus::Progressing => "Progressing",
            HealthStatus::Missing => "Missing",
            HealthStatus::Degraded => "Degraded",
            HealthStatus::Unknown => "Unknown",
        }
    }

    /// Parses one of the six codes (case-sensitive, as Argo CD compares them).
    pub fn parse(code: &str) -> Option<HealthStatus> {
        HealthStatus::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The health of one object: a status and Argo CD's message (often empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    pub message: String,
}

impl Health {
    pub fn new(status: HealthStatus, message: impl Into<String>) -> Self {
        Health {
            status,
            message: message.into(),
        }
    }

    pub fn healthy() -> Self {
        Health::new(HealthStatus::Healthy, "")
    }

    pub fn progressing(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Progressing, message)
    }

    pub fn degraded(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Degraded, message)
    }

    pub fn unknown(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Unknown, message)
    }
}

/// The finalizer that keeps hook objects around until Argo CD has read their result.
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// The health of a live object, in Argo CD's evaluation order (§7.2):
/// 1. being deleted without the hook finalizer → Progressing `Pending deletion`;
/// 2. a configured Lua script (exact key, then wildcard key);
/// 3. a bundled Lua script (Rollout, CronJob, CustomResourceDefinition);
/// 4. the built-in check for the group/kind;
/// 5. otherwise `None`: the kind has no health.
///
/// A Lua script that returns `nil` or an empty table gives Argo CD a health
/// object with an *empty* status. No code of [`HealthStatus`] means "empty",
/// so this returns `None` for it: like Argo CD, the built-in check is then not
/// consulted, a hook with it counts as `Succeeded` / `<name> created`, and it
/// never worsens app health. (The one difference: Argo CD would still count
/// such an object as "present" when deciding an all-Missing app.)
pub fn assess(obj: &serde_json::Value, config: &HealthConfig) -> Option<Health> {
    if is_pending_deletion(obj) {
        return Some(Health::progressing("Pending deletion"));
    }
    let group = group_of(obj);
    let kind = kind_of(obj);
    if let Some(script) = config.script_for(group, kind) {
        return lua::run_health_script(obj, &script.source, script.open_libs).into_health();
    }
    if let Some(script) = bundled::script_for(group, kind) {
        return lua::run_health_script(obj, script, true).into_health();
    }
    builtin::check(obj).map(|result| result.unwrap_or_else(Health::unknown))
}

fn is_pending_deletion(obj: &serde_json::Value) -> bool {
    let meta = obj.get("metadata");
    let deleting = meta
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|t| !t.is_null());
    let has_hook_finalizer = meta
        .and_then(|m| m.get("finalizers"))
        .and_then(|f| f.as_array())
        .is_some_and(|list| list.iter().any(|f| f.as_str() == Some(HOOK_FINALIZER)));
    deleting && !has_hook_finalizer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_runs_from_best_to_worst() {
        let mut shuffled = [
            HealthStatus::Unknown,
            HealthStatus::Healthy,
            HealthStatus::Degraded,
            HealthStatus::Missing,
            HealthStatus::Progressing,
            HealthStatus::Suspended,
        ];
        shuffled.sort();
        assert_eq!(shuffled, HealthStatus::ALL);
        assert!(HealthStatus::Degraded < HealthStatus::Unknown);
        assert!(HealthStatus::Suspended < HealthStatus::Progressing);
    }

    #[test]
    fn codes_parse_case_sensitively() {
        assert_eq!(HealthStatus::parse("Missing"), Some(HealthStatus::Missing));
        assert_eq!(HealthStatus::parse("missing"), None);
        assert_eq!(HealthStatus::parse(""), None);
    }
}
