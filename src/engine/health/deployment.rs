//! apps/v1 Deployment health (the kubectl rollout-status rules).

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{bool_at, condition, int_at, opt_int_at, quoted, str_at};
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    if bool_at(obj, &["spec", "paused"]) {
        return Ok(Health::new(HealthStatus::Suspended, "Deployment is paused"));
    }
    let generation = int_at(obj, &["metadata", "generation"]);
    let observed = int_at(obj, &["status", "observedGeneration"]);
    if generation > observed {
        return Ok(Health::progressing(
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        ));
    }
    let deadline_exceeded = condition(obj, "Progressing")
        .is_some_and(|c| str_at(c, &["reason"]) == "ProgressDeadlineExceeded");
    if deadline_exceeded {
        let name = str_at(obj, &["metadata", "name"]);
        return Ok(Health::degraded(format!(
            "Deployment {} exceeded its progress deadline",
            quoted(name)
        )));
    }
    let replicas = int_at(obj, &["status", "replicas"]);
    let updated = int_at(obj, &["status", "updatedReplicas"]);
    let available = int_at(obj, &["status", "availableReplicas"]);
    if let Some(desired) = opt_int_at(obj, &["spec", "replicas"])
        && updated < desired
    {
        return Ok(Health::progressing(format!(
            "Waiting for rollout to finish: {updated} out of {desired} new replicas have been updated..."
        )));
    }
    if replicas > updated {
        return Ok(Health::progressing(format!(
            "Waiting for rollout to finish: {} old replicas are pending termination...",
            replicas - updated
        )));
    }
    if available < updated {
        return Ok(Health::progressing(format!(
            "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
        )));
    }
    Ok(Health::healthy())
}
