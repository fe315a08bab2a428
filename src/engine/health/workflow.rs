//! argoproj.io Workflow health from its phase.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::str_at;
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let status = match str_at(obj, &["status", "phase"]) {
        "" | "Pending" | "Running" => HealthStatus::Progressing,
        "Succeeded" => HealthStatus::Healthy,
        "Failed" | "Error" => HealthStatus::Degraded,
        _ => HealthStatus::Unknown,
    };
    Ok(Health::new(status, str_at(obj, &["status", "message"])))
}
