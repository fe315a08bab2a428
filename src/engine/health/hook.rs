//! Hook phases derived from the health of a hook's live object (§2.4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::sync::{Classification, classify};

use super::{Health, HealthStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookPhase {
    Running,
    Succeeded,
    Failed,
}

/// The phase and message of a hook whose live object has `health`; a kind
/// without health (ConfigMap, Secret, ...) succeeds as soon as it exists.
pub fn hook_phase(health: Option<&Health>, name: &str) -> (HookPhase, String) {
    let created = || (HookPhase::Succeeded, format!("{name} created"));
    let Some(health) = health else {
        return created();
    };
    let phase = match health.status {
        HealthStatus::Healthy => HookPhase::Succeeded,
        HealthStatus::Progressing | HealthStatus::Suspended => HookPhase::Running,
        HealthStatus::Degraded | HealthStatus::Unknown => HookPhase::Failed,
        HealthStatus::Missing => return created(),
    };
    (phase, health.message.clone())
}

/// Whether an object is a sync hook: an Argo CD hook annotation that is not
/// `Skip`, or a Helm hook annotation other than `crd-install`.
pub fn is_hook(obj: &Value) -> bool {
    matches!(
        classify(obj),
        Classification::Hook(_) | Classification::DeletionHook
    )
}
