//! apps/v1 StatefulSet health (the kubectl rollout-status rules).

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{at, int_at, opt_int_at, str_at};
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let generation = int_at(obj, &["metadata", "generation"]);
    let observed = int_at(obj, &["status", "observedGeneration"]);
    if observed == 0 || generation > observed {
        return Ok(Health::progressing(
            "Waiting for statefulset spec update to be observed...",
        ));
    }
    let desired = opt_int_at(obj, &["spec", "replicas"]);
    let ready = int_at(obj, &["status", "readyReplicas"]);
    let updated = int_at(obj, &["status", "updatedReplicas"]);
    if let Some(desired) = desired
        && ready < desired
    {
        return Ok(Health::progressing(format!(
            "Waiting for {} pods to be ready...",
            desired - ready
        )));
    }
    let strategy = str_at(obj, &["spec", "updateStrategy", "type"]);
    let rolling_update =
        at(obj, &["spec", "updateStrategy", "rollingUpdate"]).filter(|block| !block.is_null());
    if strategy == "RollingUpdate"
        && let Some(rolling_update) = rolling_update
    {
        if let (Some(desired), Some(partition)) =
            (desired, opt_int_at(rolling_update, &["partition"]))
            && updated < desired - partition
        {
            return Ok(Health::progressing(format!(
                "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                desired - partition
            )));
        }
        return Ok(Health::new(
            HealthStatus::Healthy,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        ));
    }
    if strategy == "OnDelete" {
        return Ok(Health::new(
            HealthStatus::Healthy,
            format!("statefulset has {ready} ready pods"),
        ));
    }
    let update_revision = str_at(obj, &["status", "updateRevision"]);
    let current_revision = str_at(obj, &["status", "currentRevision"]);
    if update_revision != current_revision {
        return Ok(Health::progressing(format!(
            "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
        )));
    }
    let current = int_at(obj, &["status", "currentReplicas"]);
    Ok(Health::new(
        HealthStatus::Healthy,
        format!(
            "statefulset rolling update complete {current} pods at revision {current_revision}..."
        ),
    ))
}
