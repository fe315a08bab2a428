//! apiregistration.k8s.io APIService health from its Available condition.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{condition, str_at};
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let Some(available) = condition(obj, "Available") else {
        return Ok(Health::progressing("Waiting to be processed"));
    };
    let message = format!(
        "{}: {}",
        str_at(available, &["reason"]),
        str_at(available, &["message"])
    );
    let status = if str_at(available, &["status"]) == "True" {
        HealthStatus::Healthy
    } else {
        HealthStatus::Progressing
    };
    Ok(Health::new(status, message))
}
