//! v1 Pod health. Pods that are meant to finish (restartPolicy Never or
//! OnFailure, typically hooks) are never Degraded for waiting containers, so a
//! hook is not failed early by a transient image pull error.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{array_at, at, int_at, str_at};
use super::hook::is_hook;
use super::{Health, HealthStatus};
use crate::model::annotation;

/// Treats a pod with restartPolicy OnFailure/Never as long-running (non-hook pods only).
pub const IGNORE_RESTART_POLICY_ANNOTATION: &str = "argocd.argoproj.io/ignore-restart-policy";

pub(super) fn health(obj: &Value) -> CheckResult {
    // The API server defaults an absent restartPolicy to Always.
    let restart_always = matches!(str_at(obj, &["spec", "restartPolicy"]), "Always" | "");
    let long_running = restart_always
        || (annotation(obj, IGNORE_RESTART_POLICY_ANNOTATION) == Some("true") && !is_hook(obj));
    let container_statuses = array_at(obj, &["status", "containerStatuses"]);
    let pod_message = str_at(obj, &["status", "message"]);

    if long_running {
        let waiting_errors: Vec<&str> = container_statuses
            .iter()
            .filter_map(|c| at(c, &["state", "waiting"]))
            .filter(|waiting| is_error_reason(str_at(waiting, &["reason"])))
            .map(|waiting| str_at(waiting, &["message"]))
            .collect();
        if !waiting_errors.is_empty() {
            return Ok(Health::degraded(waiting_errors.join(", ")));
        }
    }

    let health = match str_at(obj, &["status", "phase"]) {
        "Pending" => Health::progressing(pod_message),
        "Succeeded" => Health::new(HealthStatus::Healthy, pod_message),
        "Failed" => Health::degraded(failure_message(obj)),
        "Running" if long_running => {
            if is_ready(obj) {
                Health::new(HealthStatus::Healthy, pod_message)
            } else if container_statuses
                .iter()
                .any(|c| at(c, &["lastState", "terminated"]).is_some_and(|t| !t.is_null()))
            {
                Health::degraded(pod_message)
            } else {
                Health::progressing(pod_message)
            }
        }
        "Running"
            if matches!(
                str_at(obj, &["spec", "restartPolicy"]),
                "Never" | "OnFailure"
            ) =>
        {
            Health::progressing(pod_message)
        }
        _ => Health::unknown(pod_message),
    };
    Ok(health)
}

/// Waiting reasons that mean the container cannot start (CrashLoopBackOff,
/// ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ...).
fn is_error_reason(reason: &str) -> bool {
    reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
}

fn is_ready(obj: &Value) -> bool {
    array_at(obj, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True")
}

/// The pod's own message, else the first container (init containers first)
/// that explains its termination.
fn failure_message(obj: &Value) -> String {
    let pod_message = str_at(obj, &["status", "message"]);
    if !pod_message.is_empty() {
        return pod_message.to_owned();
    }
    let init = array_at(obj, &["status", "initContainerStatuses"]);
    let main = array_at(obj, &["status", "containerStatuses"]);
    init.iter()
        .chain(main)
        .find_map(container_failure)
        .unwrap_or_default()
}

fn container_failure(container: &Value) -> Option<String> {
    let terminated = at(container, &["state", "terminated"]).filter(|t| !t.is_null())?;
    let message = str_at(terminated, &["message"]);
    if !message.is_empty() {
        return Some(message.to_owned());
    }
    if str_at(terminated, &["reason"]) == "OOMKilled" {
        return Some("OOMKilled".to_owned());
    }
    let exit_code = int_at(terminated, &["exitCode"]);
    (exit_code != 0).then(|| {
        format!(
            "container {:?} failed with exit code {exit_code}",
            str_at(container, &["name"])
        )
    })
}
