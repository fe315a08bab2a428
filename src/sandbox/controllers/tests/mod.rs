//! Scenario tests: objects as the API server stores them, a fake clock
//! stepped through the controllers' wake-ups, exact statuses asserted.

mod cronjob;
mod deployment;
mod fixed_point;
mod job;
mod network;
mod rollout;
mod statefulset;
mod workloads;

use serde_json::{Value, json};

pub fn pod_template(app: &str, image: &str, restart: &str) -> Value {
    json!({
        "metadata": {"creationTimestamp": null, "labels": {"app": app}},
        "spec": {
            "containers": [{"name": "app", "image": image, "resources": {},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": restart, "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "securityContext": {}, "schedulerName": "default-scheduler"
        }
    })
}

pub fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image, "Always"),
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600
        }
    })
}

pub fn condition<'a>(obj: &'a Value, kind: &str) -> &'a Value {
    obj["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind))
        .unwrap_or_else(|| panic!("condition {kind} in {}", obj["status"]))
}

pub fn job_spec(image: &str) -> Value {
    json!({
        "parallelism": 1, "completions": 1, "backoffLimit": 2,
        "template": pod_template("batch", image, "Never"),
        "completionMode": "NonIndexed", "suspend": false
    })
}

pub fn job(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": job_spec(image)
    })
}
