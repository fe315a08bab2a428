//! apps/v1 ReplicaSet health.

use serde_json::Value;

use super::Health;
use super::builtin::CheckResult;
use super::fields::{condition, int_at, opt_int_at, str_at};

pub(super) fn health(obj: &Value) -> CheckResult {
    let generation = int_at(obj, &["metadata", "generation"]);
    let observed = int_at(obj, &["status", "observedGeneration"]);
    if generation > observed {
        return Ok(Health::progressing(
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        ));
    }
    if let Some(failure) = condition(obj, "ReplicaFailure")
        && str_at(failure, &["status"]) == "True"
    {
        return Ok(Health::degraded(str_at(failure, &["message"])));
    }
    let available = int_at(obj, &["status", "availableReplicas"]);
    if let Some(desired) = opt_int_at(obj, &["spec", "replicas"])
        && available < desired
    {
        return Ok(Health::progressing(format!(
            "Waiting for rollout to finish: {available} out of {desired} new replicas are available..."
        )));
    }
    Ok(Health::healthy())
}
