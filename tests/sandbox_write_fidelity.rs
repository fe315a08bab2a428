//! The write path against a real kube-apiserver's recorded answers: what a
//! create's writer owns (defaults yes; status, allocations and admission
//! additions no), status dropped from applied bodies, and status writes that
//! cannot change the spec.

use kube::api::{Api, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;
use serde_json::{Value, json};

const CREATES: &str = include_str!("../src/sandbox/patch/testdata/create-defaults.json");

async fn api_for(client: &kube::Client, object: &Value) -> Api<DynamicObject> {
    let api_version = object["apiVersion"].as_str().unwrap_or("");
    let kind = object["kind"].as_str().unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (ar, caps) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .expect("discover");
    match (caps.scope, object["metadata"]["namespace"].as_str()) {
        (kube::discovery::Scope::Namespaced, Some(ns)) => {
            Api::namespaced_with(client.clone(), ns, &ar)
        }
        (kube::discovery::Scope::Namespaced, None) => {
            Api::namespaced_with(client.clone(), "transcript", &ar)
        }
        (kube::discovery::Scope::Cluster, _) => Api::all_with(client.clone(), &ar),
    }
}

fn fields_by_manager(object: &Value) -> Value {
    let entries = object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Value::Array(
        entries
            .into_iter()
            .map(|e| json!({"manager": e["manager"], "operation": e["operation"], "fieldsV1": e["fieldsV1"]}))
            .collect(),
    )
}

#[tokio::test]
async fn creates_own_what_a_real_server_gives_their_writer() {
    let recorded: Vec<Value> = serde_json::from_str(CREATES).expect("recording");
    let sandbox = Sandbox::with_clock(Clock::manual("2026-11-22T02:24:41Z".parse().expect("time")));
    let client = sandbox.client();
    let post = PostParams {
        field_manager: Some("Python-urllib".into()),
        ..PostParams::default()
    };
    let mut mismatches = Vec::new();
    for step in &recorded {
        let body = &step["request"]["body"];
        let expected = &step["response"]["body"];
        let object: DynamicObject = serde_json::from_value(body.clone()).expect("object");
        let created = api_for(&client, body).await.create(&post, &object).await;
        let created =
            serde_json::to_value(created.unwrap_or_else(|e| panic!("{}: {e}", step["note"])))
                .expect("json");
        if fields_by_manager(&created) != fields_by_manager(expected) {
            mismatches.push(format!(
                "{}:\n  ours     {}\n  recorded {}",
                step["note"],
                fields_by_manager(&created),
                fields_by_manager(expected)
            ));
        }
        for pointer in ["/metadata/finalizers", "/spec/finalizers"] {
            if created.pointer(pointer) != expected.pointer(pointer) {
                mismatches.push(format!(
                    "{}: {pointer} {:?}",
                    step["note"],
                    created.pointer(pointer)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

const DEPLOYMENT: &str = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}},
  "status": {"replicas": 99}}"#;

#[tokio::test]
async fn applied_status_is_ignored_and_status_writes_keep_the_spec() {
    let sandbox = Sandbox::new();
    let client = sandbox.client();
    let body: Value = serde_json::from_str(DEPLOYMENT).expect("json");
    let api = api_for(&client, &body).await;
    let applied = api
        .patch("web", &PatchParams::apply("gitops"), &Patch::Apply(&body))
        .await
        .expect("apply");
    let applied = serde_json::to_value(applied).expect("json");
    assert_ne!(
        applied["status"]["replicas"], 99,
        "an applied status is dropped"
    );
    let owned = fields_by_manager(&applied);
    assert!(
        !owned.to_string().contains("f:status"),
        "the applier owns no status: {owned}"
    );

    let mut status_write = applied.clone();
    status_write["spec"]["replicas"] = json!(7);
    status_write["status"] = json!({"replicas": 2, "observedGeneration": 1});
    let object: DynamicObject = serde_json::from_value(status_write).expect("object");
    let written = api
        .replace_status("web", &PostParams::default(), &object)
        .await
        .expect("status write");
    let written = serde_json::to_value(written).expect("json");
    assert_eq!(
        written["spec"]["replicas"], 2,
        "the status subresource leaves the spec alone"
    );
    assert_eq!(written["status"]["replicas"], 2);
    assert_eq!(written["metadata"]["generation"], 1);
}
