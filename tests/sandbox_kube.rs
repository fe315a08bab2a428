//! The sandbox through kube-rs, as the engine uses it: typed and dynamic
//! APIs for every verb, discovery, and the recorded error answers.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, Service};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Discovery;
use plumb::sandbox::Sandbox;
use serde_json::json;

fn deployment(name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}}}
    }))
    .expect("deployment")
}

fn api_error(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason, s.message),
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn deployment_create_applies_the_recorded_defaults() {
    let sandbox = Sandbox::new();
    let deploys: Api<Deployment> = Api::namespaced(sandbox.client(), "default");
    let created = deploys
        .create(&PostParams::default(), &deployment("web", 3))
        .await
        .expect("create");
    let v = serde_json::to_value(&created).expect("json");
    assert_eq!(v["metadata"]["generation"], 1);
    assert!(v["metadata"]["uid"].as_str().is_some_and(|u| u.len() == 36));
    assert_eq!(
        v["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
    );
    assert_eq!(v["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(v["spec"]["progressDeadlineSeconds"], 600);
    let c = &v["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(
        v["spec"]["template"]["spec"]["schedulerName"],
        "default-scheduler"
    );
    assert_eq!(v["metadata"]["managedFields"][0]["operation"], "Update");

    let err = deploys
        .create(&PostParams::default(), &deployment("web", 1))
        .await
        .expect_err("duplicate");
    assert_eq!(
        api_error(err),
        (
            409,
            "AlreadyExists".into(),
            "deployments.apps \"web\" already exists".into()
        )
    );
}

#[tokio::test]
async fn generation_moves_with_spec_changes_only() {
    let sandbox = Sandbox::new();
    let deploys: Api<Deployment> = Api::namespaced(sandbox.client(), "default");
    deploys
        .create(&PostParams::default(), &deployment("web", 1))
        .await
        .expect("create");
    let labelled = deploys
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .expect("label");
    assert_eq!(labelled.metadata.generation, Some(1));
    let scaled = deploys
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .expect("scale");
    assert_eq!(scaled.metadata.generation, Some(2));
    let scale = deploys.get_scale("web").await.expect("scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(4));
    assert_eq!(
        scale.status.map(|s| s.selector),
        Some(Some("app=web".into()))
    );
}

#[tokio::test]
async fn every_patch_type_and_server_side_apply() {
    let sandbox = Sandbox::new();
    let deploys: Api<Deployment> = Api::namespaced(sandbox.client(), "default");
    let applied = deploys
        .patch(
            "api",
            &PatchParams::apply("plumb"),
            &Patch::Apply(deployment("api", 2)),
        )
        .await
        .expect("apply creates");
    assert_eq!(applied.spec.as_ref().and_then(|s| s.replicas), Some(2));
    let fields = applied.metadata.managed_fields.unwrap_or_default();
    assert!(
        fields
            .iter()
            .any(|f| f.manager.as_deref() == Some("plumb")
                && f.operation.as_deref() == Some("Apply"))
    );

    let json_patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/replicas", "value": 5}
    ]))
    .expect("patch");
    let patched = deploys
        .patch(
            "api",
            &PatchParams::default(),
            &Patch::<()>::Json(json_patch),
        )
        .await
        .expect("json patch");
    assert_eq!(patched.spec.as_ref().and_then(|s| s.replicas), Some(5));

    let strategic = deploys
        .patch("api", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}})))
        .await
        .expect("strategic");
    let containers = strategic
        .spec
        .expect("spec")
        .template
        .spec
        .expect("pod")
        .containers;
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].image.as_deref(), Some("nginx:1.26"));
    assert_eq!(containers[0].ports.as_ref().map(Vec::len), Some(1));
}

#[tokio::test]
async fn stale_resource_version_conflicts() {
    let sandbox = Sandbox::new();
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "cfg"}, "data": {"a": "1"}}))
            .expect("cm");
    let mut stale = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");
    cms.patch(
        "cfg",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"a": "2"}})),
    )
    .await
    .expect("patch");
    stale.data = Some([("a".to_owned(), "3".to_owned())].into());
    let err = cms
        .replace("cfg", &PostParams::default(), &stale)
        .await
        .expect_err("stale");
    assert_eq!(
        api_error(err),
        (409, "Conflict".into(), "Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again".into())
    );
}

#[tokio::test]
async fn recorded_errors() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "nope-ns");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).expect("cm");
    let err = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect_err("missing ns");
    assert_eq!(
        api_error(err),
        (
            404,
            "NotFound".into(),
            "namespaces \"nope-ns\" not found".into()
        )
    );

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let err = cms.get("nope").await.expect_err("missing");
    assert_eq!(
        api_error(err),
        (
            404,
            "NotFound".into(),
            "configmaps \"nope\" not found".into()
        )
    );

    let bad: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "Bad_Name"}})).expect("cm");
    let (code, reason, message) = api_error(
        cms.create(&PostParams::default(), &bad)
            .await
            .expect_err("invalid"),
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(message.starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{message}");

    let mut no_selector = deployment("bad", 1);
    if let Some(spec) = no_selector.spec.as_mut() {
        spec.selector = Default::default();
    }
    let mut body = serde_json::to_value(&no_selector).expect("json");
    body["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("selector");
    let raw: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &ApiResource::erase::<Deployment>(&()),
    );
    let obj: DynamicObject = serde_json::from_value(body).expect("dyn");
    let (code, _, message) = api_error(
        raw.create(&PostParams::default(), &obj)
            .await
            .expect_err("no selector"),
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        "Deployment.apps \"bad\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"bad\"}: `selector` does not match template `labels`]"
    );

    let widgets =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("", "v1", "Widget"), "widgets");
    let unknown: Api<DynamicObject> = Api::namespaced_with(client, "default", &widgets);
    let (code, reason, message) = api_error(
        unknown
            .list(&ListParams::default())
            .await
            .expect_err("unknown"),
    );
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (
            404,
            "NotFound",
            "the server could not find the requested resource"
        )
    );
}

#[tokio::test]
async fn list_selectors_and_pagination() {
    let sandbox = Sandbox::new();
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    for (name, tier) in [("a", "web"), ("b", "db"), ("c", "web")] {
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name, "labels": {"tier": tier}}}))
                .expect("cm");
        cms.create(&PostParams::default(), &cm)
            .await
            .expect("create");
    }
    let names = |l: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        l.items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect()
    };
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier in (web)"))
                .await
                .expect("list")
        ),
        ["a", "c"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier notin (web)"))
                .await
                .expect("list")
        ),
        ["b"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().fields("metadata.name=b"))
                .await
                .expect("list")
        ),
        ["b"]
    );
    let first = cms
        .list(&ListParams::default().limit(2))
        .await
        .expect("page 1");
    let token = first.metadata.continue_.clone().expect("continue");
    assert_eq!(first.metadata.remaining_item_count, Some(1));
    assert_eq!(names(first), ["a", "b"]);
    let second = cms
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .expect("page 2");
    assert_eq!(names(second), ["c"]);
}

#[tokio::test]
async fn core_defaults_for_service_secret_pod_namespace() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "shop"}})).expect("ns");
    let ns = serde_json::to_value(nss.create(&PostParams::default(), &ns).await.expect("ns"))
        .expect("json");
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "shop"
    );

    let svcs: Api<Service> = Api::namespaced(client.clone(), "shop");
    let svc: Service = serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})).expect("svc");
    let svc = serde_json::to_value(
        svcs.create(&PostParams::default(), &svc)
            .await
            .expect("svc"),
    )
    .expect("json");
    assert_eq!(
        svc["spec"]["ports"][0],
        json!({"port": 80, "protocol": "TCP", "targetPort": 80})
    );
    assert!(
        svc["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("10.96."))
    );
    assert_eq!(svc["spec"]["clusterIPs"][0], svc["spec"]["clusterIP"]);
    assert_eq!(svc["spec"]["sessionAffinity"], "None");
    assert_eq!(svc["spec"]["ipFamilies"], json!(["IPv4"]));

    let secrets: Api<Secret> = Api::namespaced(client.clone(), "shop");
    let secret: Secret = serde_json::from_value(
        json!({"metadata": {"name": "s"}, "stringData": {"password": "hunter2"}}),
    )
    .expect("secret");
    let secret = serde_json::to_value(
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .expect("secret"),
    )
    .expect("json");
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");

    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})).expect("pod");
    let pod = pods
        .create(&PostParams::default(), &pod)
        .await
        .expect("pod");
    let status = pod.status.expect("status");
    assert_eq!(
        (status.phase.as_deref(), status.qos_class.as_deref()),
        (Some("Pending"), Some("BestEffort"))
    );
}

#[tokio::test]
async fn dry_run_stores_nothing() {
    let sandbox = Sandbox::new();
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "dry"}})).expect("cm");
    let pp = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let answered = cms.create(&pp, &cm).await.expect("dry create");
    assert_eq!(answered.metadata.name.as_deref(), Some("dry"));
    assert!(cms.get_opt("dry").await.expect("get").is_none());
}

#[tokio::test]
async fn discovery_finds_every_built_in_group() {
    let sandbox = Sandbox::new();
    let discovery = Discovery::new(sandbox.client())
        .run()
        .await
        .expect("discovery");
    let mut kinds: Vec<String> = discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .map(|(r, _)| r.kind)
        .collect();
    kinds.sort();
    for kind in [
        "Deployment",
        "ConfigMap",
        "CronJob",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ClusterRoleBinding",
        "Lease",
        "CustomResourceDefinition",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
}

#[tokio::test]
async fn dynamic_api_round_trip() {
    let sandbox = Sandbox::new();
    let gvk = GroupVersionKind::gvk("batch", "v1", "CronJob");
    let ar = ApiResource::from_gvk(&gvk);
    let api: Api<DynamicObject> = Api::namespaced_with(sandbox.client(), "default", &ar);
    let obj: DynamicObject = serde_json::from_value(json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly"}, "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "app", "image": "nginx:1.25"}]}}}}}})).expect("cronjob");
    let created = api
        .create(&PostParams::default(), &obj)
        .await
        .expect("create");
    assert_eq!(created.data["spec"]["concurrencyPolicy"], "Allow");
    assert_eq!(created.data["spec"]["successfulJobsHistoryLimit"], 3);
    let deleted = api
        .delete("nightly", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(deleted.is_right());
    let listed = api.list(&ListParams::default()).await.expect("list");
    assert!(listed.items.is_empty());
}
