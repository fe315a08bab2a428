//! apps/v1 DaemonSet health (the kubectl rollout-status rules).

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{int_at, quoted, str_at};
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let generation = int_at(obj, &["metadata", "generation"]);
    let observed = int_at(obj, &["status", "observedGeneration"]);
    if generation > observed {
        return Ok(Health::progressing(
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        ));
    }
    let desired = int_at(obj, &["status", "desiredNumberScheduled"]);
    let updated = int_at(obj, &["status", "updatedNumberScheduled"]);
    let available = int_at(obj, &["status", "numberAvailable"]);
    if str_at(obj, &["spec", "updateStrategy", "type"]) == "OnDelete" {
        return Ok(Health::new(
            HealthStatus::Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        ));
    }
    let name = quoted(str_at(obj, &["metadata", "name"]));
    if updated < desired {
        return Ok(Health::progressing(format!(
            "Waiting for daemon set {name} rollout to finish: {updated} out of {desired} new pods have been updated..."
        )));
    }
    if available < desired {
        return Ok(Health::progressing(format!(
            "Waiting for daemon set {name} rollout to finish: {available} of {desired} updated pods are available..."
        )));
    }
    Ok(Health::healthy())
}
