//! Helpers shared by the cluster adapter tests.

#![allow(dead_code)]

use std::time::Duration;

use kube::api::{Api, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use plumb::cluster::{ClusterInfo, ClusterRef, Clusters, GroupKind, LiveCache, LiveSnapshot};
use plumb::sandbox::Sandbox;
use serde_json::{Value, json};

/// A generous bound so a broken cache fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

pub fn gk(group: &str, kind: &str) -> GroupKind {
    (group.to_owned(), kind.to_owned())
}

/// The in-process sandbox as the only, current cluster.
pub fn sandbox_cluster(sandbox: &Sandbox) -> ClusterRef {
    let info = ClusterInfo {
        name: "sandbox".into(),
        server: "https://kubernetes.default.svc".into(),
        is_sandbox: true,
        is_current: true,
    };
    let clusters = Clusters::from_clients(vec![(info, sandbox.client())]);
    clusters.all()[0].clone()
}

/// Waits on the change counter until `ready` holds for a snapshot.
pub async fn wait_for(
    cache: &LiveCache,
    what: &str,
    ready: impl Fn(&LiveSnapshot) -> bool,
) -> LiveSnapshot {
    let mut changes = cache.changes();
    let waited = tokio::time::timeout(PATIENCE, async {
        loop {
            let snapshot = cache.snapshot();
            if ready(&snapshot) {
                return snapshot;
            }
            changes.changed().await.expect("cache alive");
        }
    })
    .await;
    waited.unwrap_or_else(|_| {
        let s = cache.snapshot();
        panic!(
            "never saw {what}: kinds {:?}, health {:?}",
            s.kinds, s.health
        )
    })
}

/// The live object of a kind with this name, if the snapshot has it.
pub fn find<'a>(snapshot: &'a LiveSnapshot, kind: &str, name: &str) -> Option<&'a Value> {
    snapshot
        .objects
        .iter()
        .map(|o| o.as_ref())
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

pub async fn create(
    client: &kube::Client,
    gvk: (&str, &str, &str),
    plural: &str,
    namespace: Option<&str>,
    body: Value,
) -> Value {
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(gvk.0, gvk.1, gvk.2), plural);
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let object: DynamicObject = serde_json::from_value(body).expect("object");
    let created = api
        .create(&PostParams::default(), &object)
        .await
        .expect("create");
    serde_json::to_value(created).expect("json")
}

/// Installs the namespaced `example.com/v1 Widget` CRD.
pub async fn install_widget_crd(client: &kube::Client) {
    create(
        client,
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
        None,
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}),
    )
    .await;
}

pub async fn create_widget(client: &kube::Client, name: &str) -> Value {
    create(
        client,
        ("example.com", "v1", "Widget"),
        "widgets",
        Some("default"),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"color": "blue"}}),
    )
    .await
}

pub async fn create_config_map(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    value: &str,
) -> Value {
    create(
        client,
        ("", "v1", "ConfigMap"),
        "configmaps",
        Some(namespace),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"key": value}}),
    )
    .await
}
