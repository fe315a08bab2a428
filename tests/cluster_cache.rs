//! The watch-fed LiveCache against the in-process sandbox: it follows
//! creates, updates and deletes, recovers from server errors and picks up a
//! CRD's kind once the CRD exists.

mod cluster_support;

use cluster_support::{
    create_config_map, create_widget, find, gk, install_widget_crd, sandbox_cluster, wait_for,
};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use plumb::cluster::{ClusterHealth, KindState, LiveCache};
use plumb::sandbox::Sandbox;
use plumb::sandbox::faults::{FaultEffect, FaultRule};
use serde_json::json;

#[tokio::test]
async fn cache_follows_creates_updates_and_deletes() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    create_config_map(&client, "default", "before", "0").await;
    let cache = LiveCache::start(
        sandbox_cluster(&sandbox),
        vec![gk("", "ConfigMap"), gk("", "Namespace")],
    );
    let synced = wait_for(&cache, "both kinds synced", |s| {
        s.kinds.values().all(|k| *k == KindState::Synced) && s.kinds.len() == 2
    })
    .await;
    assert!(
        find(&synced, "ConfigMap", "before").is_some(),
        "the initial list is loaded"
    );
    assert!(find(&synced, "Namespace", "kube-system").is_some());
    assert_eq!(cache.status(), ClusterHealth::Reachable);

    let changes = cache.changes();
    let before = *changes.borrow();
    create_config_map(&client, "default", "web", "1").await;
    let created = wait_for(&cache, "the created ConfigMap", |s| {
        find(s, "ConfigMap", "web").is_some()
    })
    .await;
    assert!(created.generation > before, "the change counter moved");
    assert_eq!(
        find(&created, "ConfigMap", "web").expect("web")["apiVersion"],
        "v1"
    );

    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    maps.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"key": "2"}})),
    )
    .await
    .expect("patch");
    wait_for(&cache, "the updated value", |s| {
        find(s, "ConfigMap", "web").is_some_and(|o| o["data"]["key"] == "2")
    })
    .await;

    maps.delete("web", &DeleteParams::default())
        .await
        .expect("delete");
    let deleted = wait_for(&cache, "the deletion", |s| {
        find(s, "ConfigMap", "web").is_none()
    })
    .await;
    assert!(
        find(&deleted, "ConfigMap", "before").is_some(),
        "other objects stay"
    );
}

#[tokio::test]
async fn watcher_recovers_after_the_server_returns_errors() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    create_config_map(&client, "default", "settings", "a").await;
    sandbox.faults().add(FaultRule {
        verb: Some("list".into()),
        kind: Some("ConfigMap".into()),
        rate: 1.0,
        effect: FaultEffect::Error(500),
    });
    let cache = LiveCache::start(sandbox_cluster(&sandbox), vec![gk("", "ConfigMap")]);
    let failing = wait_for(&cache, "the list error", |s| {
        matches!(s.kinds.get(&gk("", "ConfigMap")), Some(KindState::Error(_)))
    })
    .await;
    let Some(KindState::Error(message)) = failing.kinds.get(&gk("", "ConfigMap")) else {
        unreachable!("waited for an error");
    };
    assert!(
        message.contains("cluster sandbox answered 500"),
        "{message}"
    );
    assert!(failing.objects.is_empty());
    assert_eq!(
        failing.health,
        ClusterHealth::Reachable,
        "a 500 does not make the cluster unreachable"
    );

    sandbox.faults().clear();
    let recovered = wait_for(&cache, "the retried list", |s| {
        s.kinds.get(&gk("", "ConfigMap")) == Some(&KindState::Synced)
    })
    .await;
    assert!(find(&recovered, "ConfigMap", "settings").is_some());
    create_config_map(&client, "default", "later", "b").await;
    wait_for(&cache, "an event after recovery", |s| {
        find(s, "ConfigMap", "later").is_some()
    })
    .await;
}

#[tokio::test]
async fn a_kind_added_before_its_crd_is_watched_once_served() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let cache = LiveCache::start(sandbox_cluster(&sandbox), vec![gk("", "ConfigMap")]);
    cache.add_kinds(vec![gk("example.com", "Widget"), gk("", "ConfigMap")]);
    let waiting = wait_for(&cache, "the unknown kind reported", |s| {
        s.kinds.get(&gk("example.com", "Widget")) == Some(&KindState::NotServed)
    })
    .await;
    assert_eq!(waiting.kinds.len(), 2, "a kind added twice is watched once");

    install_widget_crd(&client).await;
    create_widget(&client, "w1").await;
    let seen = wait_for(&cache, "the widget", |s| find(s, "Widget", "w1").is_some()).await;
    assert_eq!(
        seen.kinds.get(&gk("example.com", "Widget")),
        Some(&KindState::Synced)
    );
    assert_eq!(
        find(&seen, "Widget", "w1").expect("w1")["apiVersion"],
        "example.com/v1"
    );
}
