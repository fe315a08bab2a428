//! The controller loop: actions from a pluggable reconcile function go
//! through the normal write path, after changes and at wakeups on the
//! sandbox clock.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use kube::runtime::wait::await_condition;
use plumb::model::ResourceKey;
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;
use plumb::sandbox::controllers::{Action, World};
use serde_json::{Value, json};

/// A toy deployment controller: one ReplicaSet per Deployment, and a status.
fn toy_reconcile(world: &dyn World, _now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    for d in world.list("apps", "Deployment") {
        let name = d["metadata"]["name"].as_str().unwrap_or("");
        let ns = d["metadata"]["namespace"].as_str().unwrap_or("");
        let rs_key = ResourceKey::new("apps", "ReplicaSet", ns, &format!("{name}-rs"));
        if world.get(&rs_key).is_none() {
            actions.push(Action::Create {
                manager: "kube-controller-manager".into(),
                object: json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": format!("{name}-rs"), "namespace": ns, "ownerReferences": [
                        {"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": d["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
                    "spec": {"replicas": d["spec"]["replicas"], "selector": d["spec"]["selector"], "template": d["spec"]["template"]}}),
            });
        }
        let replicas = d["spec"]["replicas"].clone();
        if d["status"]["readyReplicas"] != replicas {
            let mut updated = d.clone();
            updated["status"] = json!({"replicas": replicas, "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas});
            actions.push(Action::UpdateStatus {
                manager: "kube-controller-manager".into(),
                object: updated,
            });
        }
    }
    actions
}

fn no_wakeup(_: &dyn World, _: Timestamp) -> Option<Timestamp> {
    None
}

fn deployment() -> Deployment {
    serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}))
    .expect("deploy")
}

#[tokio::test]
async fn settle_applies_actions_through_the_write_path() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deploys
        .create(&PostParams::default(), &deployment())
        .await
        .expect("create");
    let writes = sandbox.settle(toy_reconcile);
    assert_eq!(writes, 2, "one ReplicaSet and one status write, then quiet");
    let rs: Api<ReplicaSet> = Api::namespaced(client, "default");
    let rs = rs.get("web-rs").await.expect("replicaset");
    assert_eq!(rs.spec.and_then(|s| s.replicas), Some(2));
    let d = deploys.get("web").await.expect("deploy");
    assert_eq!(d.status.and_then(|s| s.ready_replicas), Some(2));
    let managers: Vec<String> = d
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| f.manager)
        .collect();
    assert!(managers.contains(&"kube-controller-manager".to_owned()));
    assert_eq!(
        d.metadata.generation,
        Some(1),
        "status writes leave the generation alone"
    );
}

#[tokio::test]
async fn background_loop_reacts_to_changes() {
    let sandbox = Sandbox::new();
    let handle = sandbox.spawn_controllers(toy_reconcile, no_wakeup);
    let deploys: Api<Deployment> = Api::namespaced(sandbox.client(), "default");
    deploys
        .create(&PostParams::default(), &deployment())
        .await
        .expect("create");
    let ready = |d: Option<&Deployment>| {
        d.and_then(|d| d.status.as_ref())
            .and_then(|s| s.ready_replicas)
            == Some(2)
    };
    let waited = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        await_condition(deploys, "web", ready),
    )
    .await;
    handle.abort();
    assert!(waited.expect("controller acted").expect("watch").is_some());
}

fn after_a_minute(world: &dyn World, now: Timestamp) -> Vec<Action> {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    let key = ResourceKey::new("", "ConfigMap", "default", "ran");
    if now >= start + SignedDuration::from_secs(60) && world.get(&key).is_none() {
        return vec![Action::Create {
            manager: "cron".into(),
            object: json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ran", "namespace": "default"}}),
        }];
    }
    Vec::new()
}

#[tokio::test]
async fn manual_clock_drives_time_based_controllers() {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    let sandbox = Sandbox::with_clock(Clock::manual(start));
    assert_eq!(sandbox.settle(after_a_minute), 0);
    sandbox.advance(SignedDuration::from_secs(61));
    assert_eq!(sandbox.settle(after_a_minute), 1);
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let ran = cms.get("ran").await.expect("created after the step");
    let created: Value = serde_json::to_value(&ran.metadata.creation_timestamp).expect("json");
    assert_eq!(created, json!("2026-01-01T00:01:01Z"));
}
