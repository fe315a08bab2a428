//! The HorizontalPodAutoscaler (autoscaling/v2): sets its target's
//! `spec.replicas` to a simulated recommendation clamped to
//! [minReplicas, maxReplicas]. The recommendation is minReplicas, or the
//! number in annotation `sandbox.plumb.dev/load-replicas` on the HPA.

use serde_json::{Value, json};

use super::context::Ctx;
use super::events::{self, HPA, Happening};
use super::util::{at, int_at, is_deleting, str_at, time_value};
use crate::model::{ResourceKey, annotation, namespace_of, split_api_version};

pub const LOAD_ANNOTATION: &str = "sandbox.plumb.dev/load-replicas";

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for hpa in ctx.list("autoscaling", "HorizontalPodAutoscaler") {
        if !is_deleting(hpa) {
            sync(ctx, hpa);
        }
    }
}

fn condition(kind: &str, ok: bool, reason: &str, message: &str) -> Value {
    json!({"type": kind, "status": if ok { "True" } else { "False" }, "reason": reason, "message": message})
}

/// Keeps lastTransitionTime from the stored condition of the same type and status.
fn with_transitions(hpa: &Value, conditions: Vec<Value>, now: jiff::Timestamp) -> Vec<Value> {
    let old = at(hpa, &["status", "conditions"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    conditions
        .into_iter()
        .map(|mut c| {
            let previous = old
                .iter()
                .find(|o| o["type"] == c["type"] && o["status"] == c["status"]);
            c["lastTransitionTime"] = previous
                .and_then(|o| o.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| time_value(now));
            c
        })
        .collect()
}

fn sync(ctx: &mut Ctx<'_>, hpa: &Value) {
    let now = ctx.now;
    let target_ref = at(hpa, &["spec", "scaleTargetRef"])
        .cloned()
        .unwrap_or_default();
    let kind = str_at(&target_ref, &["kind"]);
    let name = str_at(&target_ref, &["name"]);
    let group = split_api_version(str_at(&target_ref, &["apiVersion"])).0;
    let min = int_at(hpa, &["spec", "minReplicas"]).unwrap_or(1);
    let max = int_at(hpa, &["spec", "maxReplicas"])
        .unwrap_or(min)
        .max(min);
    let requested = annotation(hpa, LOAD_ANNOTATION)
        .and_then(|n| n.trim().parse::<i64>().ok())
        .unwrap_or(min);
    let desired = requested.clamp(min, max);
    let mut status = json!({});
    if let Some(t) = at(hpa, &["status", "lastScaleTime"]) {
        status["lastScaleTime"] = t.clone();
    }
    let Some(target) = ctx.get(&ResourceKey::new(group, kind, namespace_of(hpa), name)) else {
        let resource = format!(
            "{}s/scale{}",
            kind.to_lowercase(),
            if group.is_empty() {
                String::new()
            } else {
                format!(".{group}")
            }
        );
        let missing = format!("{resource} \"{name}\" not found");
        let conditions = vec![condition(
            "AbleToScale",
            false,
            "FailedGetScale",
            &format!("the HPA controller was unable to get the target's current scale: {missing}"),
        )];
        status["currentReplicas"] = json!(0);
        status["desiredReplicas"] = json!(0);
        status["currentMetrics"] = Value::Null;
        status["conditions"] = json!(with_transitions(hpa, conditions, now));
        if ctx.update_status(HPA.manager, hpa, status) {
            events::emit(
                ctx,
                hpa,
                HPA,
                Happening::warning("FailedGetScale", &missing),
            );
        }
        return;
    };
    let current_spec = int_at(target, &["spec", "replicas"]).unwrap_or(1);
    let able = if current_spec != desired {
        if !ctx.update_scale(HPA.manager, target, desired) {
            return;
        }
        let reason = if desired > current_spec {
            "cpu resource utilization (percentage of request) above target"
        } else {
            "All metrics below target"
        };
        let message = format!("New size: {desired}; reason: {reason}");
        events::emit(
            ctx,
            hpa,
            HPA,
            Happening::normal("SuccessfulRescale", &message),
        );
        status["lastScaleTime"] = time_value(now);
        condition(
            "AbleToScale",
            true,
            "SucceededRescale",
            &format!("the HPA controller was able to update the target scale to {desired}"),
        )
    } else {
        condition(
            "AbleToScale",
            true,
            "ReadyForNewScale",
            "recommended size matches current size",
        )
    };
    let limited = if requested > max {
        condition(
            "ScalingLimited",
            true,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    } else if requested < min {
        condition(
            "ScalingLimited",
            true,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    } else {
        condition(
            "ScalingLimited",
            false,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    };
    let active = condition(
        "ScalingActive",
        true,
        "ValidMetricFound",
        "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
    );
    status["currentReplicas"] = json!(int_at(target, &["status", "replicas"]).unwrap_or(0));
    status["desiredReplicas"] = json!(desired);
    status["conditions"] = json!(with_transitions(hpa, vec![able, active, limited], now));
    ctx.update_status(HPA.manager, hpa, status);
}
