//! Helpers shared by the runtime tests: the sandbox as a cluster with its
//! controllers running, and small object builders.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use jiff::Timestamp;
use plumb::cluster::{ClusterInfo, ClusterRef, Clusters};
use plumb::engine::health::HealthConfig;
use plumb::engine::runtime::Runner;
use plumb::engine::sync::{Resource, SyncOperation, SyncRequest};
use plumb::sandbox::Sandbox;
use serde_json::{Value, json};

pub const REVISION: &str = "0123456789abcdef0123456789abcdef01234567";

/// The in-process sandbox as the only, current cluster.
pub fn sandbox_cluster(sandbox: &Sandbox) -> ClusterRef {
    let info = ClusterInfo {
        name: "sandbox".into(),
        server: "https://kubernetes.default.svc".into(),
        is_sandbox: true,
        is_current: true,
    };
    Clusters::from_clients(vec![(info, sandbox.client())]).all()[0].clone()
}

/// A sandbox whose controllers run in the background.
pub fn running_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.spawn_controllers(
        plumb::sandbox::controllers::reconcile,
        plumb::sandbox::controllers::next_wakeup,
    );
    sandbox
}

pub fn runner(cluster: ClusterRef) -> Runner {
    Runner::new(cluster, Arc::new(HealthConfig::default()))
        .with_idle_poll(Duration::from_millis(50))
}

/// Runs `resources` as one operation of app `app` into namespace `ns`.
pub async fn sync(runner: &Runner, ns: &str, resources: Vec<Resource>) -> SyncOperation {
    let mut request = SyncRequest::new(REVISION, Timestamp::now());
    request.prune = true;
    let mut op = SyncOperation::start("app", ns, request, resources, true);
    op.wave_delay_seconds = 0;
    let never = AtomicBool::new(false);
    tokio::time::timeout(
        Duration::from_secs(120),
        runner.run(&mut op, &never, |_| {}),
    )
    .await
    .expect("the operation ends");
    op
}

pub fn deployment(ns: &str, name: &str, replicas: i64, wave: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns,
            "annotations": {"argocd.argoproj.io/sync-wave": wave.to_string()}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}}
    })
}

pub fn config_map(ns: &str, name: &str, wave: i32) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns,
            "annotations": {"argocd.argoproj.io/sync-wave": wave.to_string()}},
        "data": {"k": "v"}
    })
}

pub fn hook_job(ns: &str, name: &str, hook: &str) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": ns,
            "annotations": {"argocd.argoproj.io/hook": hook}},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox"}]}}}
    })
}
