//! Deletion (propagation, finalizers, garbage collection, namespaces) and
//! CustomResourceDefinitions through kube-rs.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, PropagationPolicy,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Discovery;
use plumb::sandbox::Sandbox;
use serde_json::json;

async fn owner_and_dependent(sandbox: &Sandbox) -> (Api<Deployment>, Api<ReplicaSet>) {
    let client = sandbox.client();
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let rss: Api<ReplicaSet> = Api::namespaced(client, "default");
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})).expect("deploy");
    let d = deploys
        .create(&PostParams::default(), &d)
        .await
        .expect("deploy");
    let uid = d.metadata.uid.expect("uid");
    let rs: ReplicaSet = serde_json::from_value(json!({"metadata": {"name": "web-abc", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid, "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})).expect("rs");
    rss.create(&PostParams::default(), &rs).await.expect("rs");
    (deploys, rss)
}

#[tokio::test]
async fn background_delete_collects_dependents() {
    let sandbox = Sandbox::new();
    let (deploys, rss) = owner_and_dependent(&sandbox).await;
    let answer = deploys
        .delete("web", &DeleteParams::background())
        .await
        .expect("delete");
    let status = answer.right().expect("a Status for background deletion");
    assert_eq!(status.details.map(|d| d.kind), Some("deployments".into()));
    assert!(rss.get_opt("web-abc").await.expect("get").is_none());
}

#[tokio::test]
async fn foreground_delete_returns_the_marked_object() {
    let sandbox = Sandbox::new();
    let (deploys, rss) = owner_and_dependent(&sandbox).await;
    let answer = deploys
        .delete("web", &DeleteParams::foreground())
        .await
        .expect("delete");
    let marked = answer.left().expect("the object for foreground deletion");
    assert!(marked.metadata.deletion_timestamp.is_some());
    assert_eq!(
        marked.metadata.finalizers,
        Some(vec!["foregroundDeletion".to_owned()])
    );
    assert!(rss.get_opt("web-abc").await.expect("get").is_none());
    assert!(deploys.get_opt("web").await.expect("get").is_none());
}

#[tokio::test]
async fn orphan_delete_keeps_dependents_without_the_owner_reference() {
    let sandbox = Sandbox::new();
    let (deploys, rss) = owner_and_dependent(&sandbox).await;
    let dp = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Orphan),
        ..DeleteParams::default()
    };
    deploys.delete("web", &dp).await.expect("delete");
    assert!(deploys.get_opt("web").await.expect("get").is_none());
    let rs = rss.get("web-abc").await.expect("orphan survives");
    assert!(rs.metadata.owner_references.is_none());
}

#[tokio::test]
async fn finalizers_hold_an_object_until_removed() {
    let sandbox = Sandbox::new();
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}),
    )
    .expect("cm");
    cms.create(&PostParams::default(), &cm)
        .await
        .expect("create");
    let answer = cms
        .delete("held", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(
        answer
            .left()
            .expect("object stays")
            .metadata
            .deletion_timestamp
            .is_some()
    );
    assert!(
        cms.get("held")
            .await
            .expect("still there")
            .metadata
            .deletion_timestamp
            .is_some()
    );
    cms.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .expect("release");
    assert!(cms.get_opt("held").await.expect("get").is_none());
}

#[tokio::test]
async fn deleting_a_namespace_terminates_it_and_its_contents() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "shop"}})).expect("ns");
    nss.create(&PostParams::default(), &ns).await.expect("ns");
    let cms: Api<ConfigMap> = Api::namespaced(client, "shop");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "cfg"}})).expect("cm");
    cms.create(&PostParams::default(), &cm).await.expect("cm");
    let answer = nss
        .delete("shop", &DeleteParams::default())
        .await
        .expect("delete");
    let terminating = answer.left().expect("namespace object");
    assert_eq!(
        terminating.status.and_then(|s| s.phase),
        Some("Terminating".into())
    );
    assert!(cms.get_opt("cfg").await.expect("get").is_none());
    assert!(nss.get_opt("shop").await.expect("get").is_none());
}

#[tokio::test]
async fn crd_is_established_and_serves_its_kind_until_deleted() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(json!({"metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}}]}})).expect("crd");
    let created = crds
        .create(&PostParams::default(), &crd)
        .await
        .expect("crd");
    assert_eq!(
        created
            .status
            .as_ref()
            .and_then(|s| s.stored_versions.clone()),
        Some(vec!["v1".to_owned()])
    );
    let established = crds.get("widgets.example.com").await.expect("crd");
    let conditions = established
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default();
    assert!(
        conditions
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
    );

    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    assert!(discovery.groups().any(|g| g.name() == "example.com"));

    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let w: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"replicas": 2, "color": "blue"}}))
        .expect("widget");
    let w = widgets
        .create(&PostParams::default(), &w)
        .await
        .expect("widget");
    assert_eq!(w.metadata.generation, Some(1));
    let ignored = widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 2}})),
        )
        .await
        .expect("patch");
    assert!(
        ignored.data.get("status").is_none(),
        "status changes through the main resource are ignored"
    );
    let with_status = widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 2}})),
        )
        .await
        .expect("status");
    assert_eq!(with_status.data["status"]["replicas"], 2);
    assert_eq!(with_status.metadata.generation, Some(1));
    let scale = widgets.get_scale("w1").await.expect("scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(2));

    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .expect("delete crd");
    let err = widgets.get("w1").await.expect_err("kind gone");
    assert!(matches!(err, kube::Error::Api(s) if s.code == 404));
}

#[tokio::test]
async fn namespace_finalize_subresource_replaces_spec_finalizers() {
    let sandbox = Sandbox::new();
    let nss: Api<Namespace> = Api::all(sandbox.client());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "fin"}})).expect("ns");
    let mut created = nss.create(&PostParams::default(), &ns).await.expect("ns");
    if let Some(spec) = created.spec.as_mut() {
        spec.finalizers = Some(vec!["example.com/x".into()]);
    }
    let ignored = nss
        .replace("fin", &PostParams::default(), &created)
        .await
        .expect("update");
    assert_eq!(
        ignored.spec.and_then(|s| s.finalizers),
        Some(vec!["kubernetes".to_owned()])
    );
    let finalized: Namespace = nss
        .replace_subresource("finalize", "fin", &PostParams::default(), &created)
        .await
        .expect("finalize");
    assert_eq!(
        finalized.spec.and_then(|s| s.finalizers),
        Some(vec!["example.com/x".to_owned()])
    );
}
