//! One-shot reads through the cluster adapter against the in-process
//! sandbox: discovery, list_live, get and events_for.

mod cluster_support;

use std::sync::Arc;

use cluster_support::{
    create, create_config_map, create_widget, gk, install_widget_crd, sandbox_cluster,
};
use plumb::model::ResourceKey;
use plumb::sandbox::Sandbox;
use serde_json::json;

fn names(objects: &[serde_json::Value], kind: &str) -> Vec<String> {
    let mut names: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn discovery_maps_kinds_to_resources_and_scope() {
    let sandbox = Sandbox::new();
    let cluster = sandbox_cluster(&sandbox);
    let resources = cluster.api_resources().await.expect("discovery");
    let deployments = resources.lookup("apps", "Deployment").expect("deployments");
    assert_eq!(
        (
            deployments.version.as_str(),
            deployments.plural.as_str(),
            deployments.namespaced
        ),
        ("v1", "deployments", true)
    );
    assert!(deployments.supports("watch") && deployments.supports("patch"));
    assert_eq!(resources.is_namespaced("", "Namespace"), Some(false));
    assert_eq!(
        resources.is_namespaced("rbac.authorization.k8s.io", "ClusterRole"),
        Some(false)
    );
    assert_eq!(resources.is_namespaced("", "ConfigMap"), Some(true));
    assert_eq!(resources.is_namespaced("example.com", "Widget"), None);

    let again = cluster.api_resources().await.expect("cached");
    assert!(Arc::ptr_eq(&resources, &again), "discovery is cached");
    install_widget_crd(&sandbox.client()).await;
    assert!(again.lookup("example.com", "Widget").is_none());
    let refreshed = cluster.refresh_api_resources().await.expect("refresh");
    assert_eq!(refreshed.is_namespaced("example.com", "Widget"), Some(true));
}

#[tokio::test]
async fn list_live_returns_built_in_kinds_and_a_crd_applied_later() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let cluster = sandbox_cluster(&sandbox);
    create(
        &client,
        ("", "v1", "Namespace"),
        "namespaces",
        None,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
    )
    .await;
    create_config_map(&client, "default", "settings", "a").await;
    create_config_map(&client, "team", "flags", "b").await;

    let kinds = [
        gk("", "ConfigMap"),
        gk("", "Namespace"),
        gk("example.com", "Widget"),
    ];
    let all = cluster.list_live(&kinds, None).await.expect("list");
    assert_eq!(names(&all, "ConfigMap"), ["default/settings", "team/flags"]);
    assert!(names(&all, "Namespace").contains(&"/team".to_owned()));
    assert!(
        names(&all, "Widget").is_empty(),
        "an unserved kind is skipped"
    );
    let settings = all
        .iter()
        .find(|o| o["metadata"]["name"] == "settings")
        .expect("settings");
    assert_eq!(
        (&settings["apiVersion"], &settings["kind"]),
        (&json!("v1"), &json!("ConfigMap"))
    );
    assert_eq!(settings["data"]["key"], "a");

    let team = cluster
        .list_live(&kinds, Some("team"))
        .await
        .expect("list team");
    assert_eq!(names(&team, "ConfigMap"), ["team/flags"]);
    assert!(
        !names(&team, "Namespace").is_empty(),
        "cluster-scoped kinds ignore the namespace"
    );

    install_widget_crd(&client).await;
    create_widget(&client, "w1").await;
    let with_crd = cluster.list_live(&kinds, None).await.expect("list again");
    assert_eq!(names(&with_crd, "Widget"), ["default/w1"]);
    let widget = with_crd
        .iter()
        .find(|o| o["kind"] == "Widget")
        .expect("widget");
    assert_eq!(widget["apiVersion"], "example.com/v1");
    assert_eq!(widget["spec"]["color"], "blue");
}

#[tokio::test]
async fn get_finds_objects_and_reports_missing_ones_as_none() {
    let sandbox = Sandbox::new();
    let cluster = sandbox_cluster(&sandbox);
    create_config_map(&sandbox.client(), "default", "settings", "a").await;

    let found = cluster
        .get(&ResourceKey::new("", "ConfigMap", "default", "settings"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (&found["kind"], &found["data"]["key"]),
        (&json!("ConfigMap"), &json!("a"))
    );
    let namespace = cluster
        .get(&ResourceKey::new("", "Namespace", "", "kube-system"))
        .await
        .expect("get namespace");
    assert_eq!(
        namespace.expect("exists")["metadata"]["name"],
        "kube-system"
    );
    for missing in [
        ResourceKey::new("", "ConfigMap", "default", "nope"),
        ResourceKey::new("example.com", "Widget", "default", "w1"),
    ] {
        assert_eq!(cluster.get(&missing).await.expect("get"), None, "{missing}");
    }
}

#[tokio::test]
async fn events_for_selects_by_involved_object_uid() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let cluster = sandbox_cluster(&sandbox);
    let cm = create_config_map(&client, "default", "settings", "a").await;
    let uid = cm["metadata"]["uid"].as_str().expect("uid").to_owned();
    for (name, involved_uid) in [
        ("about-settings", uid.as_str()),
        ("about-other", "another-uid"),
    ] {
        create(&client, ("", "v1", "Event"), "events", Some("default"),
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
                "involvedObject": {"kind": "ConfigMap", "namespace": "default", "name": "settings", "uid": involved_uid},
                "reason": "Edited", "message": "edited by hand", "type": "Normal"})).await;
    }
    let events = cluster.events_for(&uid, "default").await.expect("events");
    assert_eq!(names(&events, "Event"), ["default/about-settings"]);
    assert_eq!(events[0]["reason"], "Edited");
    let everywhere = cluster.events_for(&uid, "").await.expect("events");
    assert_eq!(names(&everywhere, "Event"), ["default/about-settings"]);
}
