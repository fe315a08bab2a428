//! DaemonSet, HPA and namespace scenarios.

use serde_json::{Value, json};

use super::{condition, deployment, pod_template};
use crate::sandbox::controllers::NODES;
use crate::sandbox::controllers::testing::FakeCluster;

fn daemonset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": pod_template("agent", "agent:1", "Always"),
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10
        }
    })
}

#[test]
fn daemonset_runs_one_pod_per_node_and_rolls() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(daemonset());
    cluster.run_for(5);
    let mut nodes: Vec<String> = cluster
        .all("", "Pod")
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap().to_owned())
        .collect();
    nodes.sort();
    assert_eq!(nodes, NODES);
    let ds = cluster.get_obj("apps", "DaemonSet", "shop", "agent");
    let status = &ds["status"];
    assert_eq!(status["desiredNumberScheduled"], 3);
    assert_eq!(status["currentNumberScheduled"], 3);
    assert_eq!(status["numberReady"], 3);
    assert_eq!(status["numberAvailable"], 3);
    assert_eq!(status["updatedNumberScheduled"], 3);
    assert_eq!(status["numberMisscheduled"], 0);
    assert!(status.get("numberUnavailable").is_none());
    cluster.edit(&key, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("agent:2")
    });
    cluster.settle();
    assert_eq!(
        cluster.all("", "Pod").len(),
        3,
        "one node at a time: a replacement is pending"
    );
    let ds = cluster.get_obj("apps", "DaemonSet", "shop", "agent");
    assert_eq!(ds["status"]["numberUnavailable"], 1);
    cluster.run_for(30);
    let ds = cluster.get_obj("apps", "DaemonSet", "shop", "agent");
    assert_eq!(ds["status"]["updatedNumberScheduled"], 3);
    assert_eq!(ds["status"]["numberAvailable"], 3);
    assert_eq!(ds["status"]["observedGeneration"], 2);
}

fn hpa(min: i64, max: i64) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": min, "maxReplicas": max,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 65}}}]
        }
    })
}

#[test]
fn hpa_scales_target_and_fights_back() {
    let mut cluster = FakeCluster::new();
    let web = cluster.create(deployment("web", 1, "nginx:1"));
    let mut autoscaler = hpa(2, 5);
    autoscaler["metadata"]["annotations"] = json!({"sandbox.plumb.dev/load-replicas": "9"});
    cluster.create(autoscaler);
    cluster.run_for(10);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["spec"]["replicas"], 5);
    assert_eq!(d["status"]["availableReplicas"], 5);
    let h = cluster.get_obj("autoscaling", "HorizontalPodAutoscaler", "shop", "web");
    assert_eq!(h["status"]["desiredReplicas"], 5);
    assert_eq!(h["status"]["currentReplicas"], 5);
    assert_eq!(condition(h, "ScalingLimited")["reason"], "TooManyReplicas");
    assert_eq!(condition(h, "AbleToScale")["reason"], "ReadyForNewScale");
    assert_eq!(condition(h, "ScalingActive")["status"], "True");
    assert_eq!(h["status"]["lastScaleTime"], "2026-01-01T00:00:00Z");
    assert_eq!(
        cluster.events_with_reason("SuccessfulRescale")[0]["message"],
        "New size: 5; reason: cpu resource utilization (percentage of request) above target"
    );
    // Git says 1 replica again: the autoscaler wins straight away.
    cluster.edit(&web, |d| d["spec"]["replicas"] = json!(1));
    cluster.settle();
    assert_eq!(
        cluster.get_obj("apps", "Deployment", "shop", "web")["spec"]["replicas"],
        5
    );
}

#[test]
fn hpa_without_target_reports_failed_get_scale() {
    let mut cluster = FakeCluster::new();
    cluster.create(hpa(2, 5));
    cluster.settle();
    let h = cluster.get_obj("autoscaling", "HorizontalPodAutoscaler", "shop", "web");
    let able = condition(h, "AbleToScale");
    assert_eq!(able["status"], "False");
    assert_eq!(able["reason"], "FailedGetScale");
    assert_eq!(
        able["message"],
        "the HPA controller was unable to get the target's current scale: deployments/scale.apps \"web\" not found"
    );
}

#[test]
fn namespaces_become_active() {
    let mut cluster = FakeCluster::new();
    cluster.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}, "spec": {"finalizers": ["kubernetes"]}}));
    cluster.settle();
    assert_eq!(
        cluster.get_obj("", "Namespace", "", "shop")["status"]["phase"],
        "Active"
    );
}

#[test]
fn hpa_within_bounds_keeps_min_replicas() {
    let mut cluster = FakeCluster::new();
    cluster.create(deployment("web", 4, "nginx:1"));
    cluster.create(hpa(2, 5));
    cluster.run_for(10);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["spec"]["replicas"], 2);
    let h = cluster.get_obj("autoscaling", "HorizontalPodAutoscaler", "shop", "web");
    assert_eq!(condition(h, "ScalingLimited")["status"], "False");
    assert_eq!(
        condition(h, "ScalingLimited")["reason"],
        "DesiredWithinRange"
    );
    assert_eq!(
        cluster.events_with_reason("SuccessfulRescale")[0]["message"],
        "New size: 2; reason: All metrics below target"
    );
}

#[test]
fn kubelet_confirms_graceful_deletion() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}], "restartPolicy": "Always"}}),
    );
    cluster.run_for(5);
    assert_eq!(
        cluster.get_obj("", "Pod", "shop", "solo")["status"]["phase"],
        "Running"
    );
    cluster.objects.get_mut(&key).unwrap()["metadata"]["deletionTimestamp"] =
        json!("2026-01-01T00:00:05Z");
    cluster.settle();
    assert!(cluster.all("", "Pod").is_empty());
}
