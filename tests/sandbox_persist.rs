//! Persistence: state survives a restart, one process owns it, others
//! connect through the owner's kubeconfig.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;
use plumb::sandbox::connect::{Connection, open_or_connect};
use plumb::sandbox::persist::PersistError;
use serde_json::json;

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"a": "1"}})).expect("cm")
}

#[tokio::test]
async fn state_survives_a_restart_and_the_lock_is_exclusive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first_rv = {
        let sandbox = Sandbox::open(dir.path(), Clock::Real, None).expect("open");
        assert!(matches!(
            Sandbox::open(dir.path(), Clock::Real, None),
            Err(PersistError::Locked(_))
        ));
        let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
        let created = cms
            .create(&PostParams::default(), &cm("kept"))
            .await
            .expect("create");
        sandbox.close();
        created
            .metadata
            .resource_version
            .expect("rv")
            .parse::<u64>()
            .expect("number")
    };
    let sandbox = Sandbox::open(dir.path(), Clock::Real, None).expect("reopen");
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let kept = cms.get("kept").await.expect("kept across restart");
    assert_eq!(kept.metadata.resource_version, Some(first_rv.to_string()));
    let next = cms
        .create(&PostParams::default(), &cm("next"))
        .await
        .expect("create");
    let next_rv: u64 = next
        .metadata
        .resource_version
        .expect("rv")
        .parse()
        .expect("number");
    assert!(
        next_rv > first_rv,
        "resourceVersion keeps growing after a restart"
    );
}

#[tokio::test]
async fn a_second_process_connects_to_the_owner() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "serve"])
        .env("PLUMB_HOME", home.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let printed = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("kubeconfig: "));
    assert!(printed.is_some());
    let dir = home.path().join("data").join("sandbox");
    let connection = open_or_connect(&dir).await.expect("connect");
    let remote = matches!(connection, Connection::Remote(_));
    let cms: Api<ConfigMap> = Api::namespaced(connection.client(), "default");
    let created = cms.create(&PostParams::default(), &cm("remote")).await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(remote, "the running server owns the state");
    assert_eq!(
        created
            .expect("create through the owner")
            .metadata
            .name
            .as_deref(),
        Some("remote")
    );
}

#[tokio::test]
async fn reset_starts_clean() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("data").join("sandbox");
    {
        let sandbox = Sandbox::open(&dir, Clock::Real, None).expect("open");
        let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
        cms.create(&PostParams::default(), &cm("old"))
            .await
            .expect("create");
        let busy = Command::new(env!("CARGO_BIN_EXE_plumb"))
            .args(["sandbox", "reset"])
            .env("PLUMB_HOME", home.path())
            .output()
            .expect("reset");
        assert!(
            !busy.status.success(),
            "reset refuses while the state is owned"
        );
        sandbox.close();
    }
    let reset = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "reset"])
        .env("PLUMB_HOME", home.path())
        .output()
        .expect("reset");
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let sandbox = Sandbox::open(&dir, Clock::Real, None).expect("reopen");
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    assert!(cms.get_opt("old").await.expect("get").is_none());
}

#[tokio::test]
async fn custom_kinds_are_served_again_after_a_restart() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::DynamicObject;
    use kube::core::{ApiResource, GroupVersionKind};
    let dir = tempfile::tempdir().expect("tempdir");
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    {
        let sandbox = Sandbox::open(dir.path(), Clock::Real, None).expect("open");
        let crds: Api<CustomResourceDefinition> = Api::all(sandbox.client());
        let crd: CustomResourceDefinition = serde_json::from_value(json!({"metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})).expect("crd");
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("crd");
        let widgets: Api<DynamicObject> = Api::namespaced_with(sandbox.client(), "default", &ar);
        let w: DynamicObject = serde_json::from_value(
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
        )
        .expect("w");
        widgets
            .create(&PostParams::default(), &w)
            .await
            .expect("widget");
        sandbox.close();
    }
    let sandbox = Sandbox::open(dir.path(), Clock::Real, None).expect("reopen");
    let widgets: Api<DynamicObject> = Api::namespaced_with(sandbox.client(), "default", &ar);
    assert!(
        widgets
            .get_opt("w")
            .await
            .expect("served after restart")
            .is_some()
    );
}
