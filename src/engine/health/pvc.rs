//! v1 PersistentVolumeClaim health from its phase.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::str_at;
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let status = match str_at(obj, &["status", "phase"]) {
        "Bound" => HealthStatus::Healthy,
        "Pending" => HealthStatus::Progressing,
        "Lost" => HealthStatus::Degraded,
        _ => HealthStatus::Unknown,
    };
    Ok(Health::new(status, ""))
}
