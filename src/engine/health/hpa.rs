//! autoscaling HorizontalPodAutoscaler health from its conditions: v2 reads
//! `status.conditions`, v1 reads the JSON in an annotation.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{conditions, gvk_string, str_at};
use super::{Health, HealthStatus};
use crate::model::{annotation, version_of};

const V1_CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
const WAITING: &str = "Waiting to Autoscale";

/// (type, reason) pairs that mean the autoscaler cannot do its job.
const DEGRADED: [(&str, &str); 8] = [
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "FailedComputeMetricsReplicas"),
    ("ScalingActive", "InvalidSelector"),
];

pub(super) fn health(obj: &Value) -> CheckResult {
    match version_of(obj) {
        "v2" => Ok(from_conditions(conditions(obj))),
        "v1" => {
            let Some(json) = annotation(obj, V1_CONDITIONS_ANNOTATION) else {
                return Ok(Health::progressing(WAITING));
            };
            let parsed: Vec<Value> = serde_json::from_str(json)
                .map_err(|e| format!("failed to convert conditions annotation to typed: {e}"))?;
            Ok(from_conditions(&parsed))
        }
        _ => Err(format!("unsupported HPA GVK: {}", gvk_string(obj))),
    }
}

fn from_conditions(conditions: &[Value]) -> Health {
    let field = |c: &'_ Value, name: &str| str_at(c, &[name]).to_owned();
    if let Some(degraded) = conditions.iter().find(|c| {
        let pair = (str_at(c, &["type"]), str_at(c, &["reason"]));
        DEGRADED.contains(&pair)
    }) {
        return Health::degraded(field(degraded, "message"));
    }
    if let Some(healthy) = conditions.iter().find(|c| {
        matches!(str_at(c, &["type"]), "AbleToScale" | "ScalingLimited")
            && str_at(c, &["status"]) == "True"
    }) {
        return Health::new(HealthStatus::Healthy, field(healthy, "message"));
    }
    Health::progressing(WAITING)
}
