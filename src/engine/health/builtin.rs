//! Which built-in check applies to a group/kind (Argo CD's Go checks).

use serde_json::Value;

use super::{
    Health, apiservice, daemonset, deployment, fields, hpa, job, pod, pvc, replicaset, service,
    statefulset, workflow,
};
use crate::model::{api_version_of, group_of, kind_of};

/// A built-in check's verdict: a health, or an error that becomes Unknown.
pub(super) type CheckResult = Result<Health, String>;

/// Runs the built-in check for the object's group/kind; `None` when the kind has none.
pub(super) fn check(obj: &Value) -> Option<CheckResult> {
    let check: fn(&Value) -> CheckResult = match (group_of(obj), kind_of(obj)) {
        ("apps", "Deployment") => versioned(obj, &["apps/v1"], deployment::health),
        ("apps", "StatefulSet") => versioned(obj, &["apps/v1"], statefulset::health),
        ("apps", "DaemonSet") => versioned(obj, &["apps/v1"], daemonset::health),
        ("apps", "ReplicaSet") => versioned(obj, &["apps/v1"], replicaset::health),
        ("", "Pod") => versioned(obj, &["v1"], pod::health),
        ("", "Service") => versioned(obj, &["v1"], service::service_health),
        ("", "PersistentVolumeClaim") => versioned(obj, &["v1"], pvc::health),
        ("batch", "Job") => versioned(obj, &["batch/v1"], job::health),
        ("networking.k8s.io" | "extensions", "Ingress") => service::ingress_health,
        ("autoscaling", "HorizontalPodAutoscaler") => hpa::health,
        ("apiregistration.k8s.io", "APIService") => versioned(
            obj,
            &[
                "apiregistration.k8s.io/v1",
                "apiregistration.k8s.io/v1beta1",
            ],
            apiservice::health,
        ),
        ("argoproj.io", "Workflow") => workflow::health,
        _ => return None,
    };
    Some(check(obj))
}

/// The check when the object's apiVersion is one it understands, else a check
/// that reports the unsupported version as Argo CD does.
fn versioned(
    obj: &Value,
    supported: &[&str],
    check: fn(&Value) -> CheckResult,
) -> fn(&Value) -> CheckResult {
    if supported.contains(&api_version_of(obj)) {
        check
    } else {
        unsupported_version
    }
}

fn unsupported_version(obj: &Value) -> CheckResult {
    Err(format!(
        "unsupported {} GVK: {}",
        kind_of(obj),
        fields::gvk_string(obj)
    ))
}
