//! The payments incident's drift, at the runner level: a kubectl-style scale
//! to 5 (merge patch on the scale subresource, field manager `kubectl`) is
//! reverted by the next sync, and history records both syncs.

mod runtime_support;

use std::sync::atomic::AtomicBool;

use jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use plumb::engine::runtime::run_operation;
use plumb::engine::store::Store;
use plumb::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest};
use plumb::model::ResourceKey;
use runtime_support::*;
use serde_json::json;

fn payments(live: Option<serde_json::Value>) -> SyncOperation {
    let target = deployment("payments", "payments", 3, 0);
    let resource = match live {
        Some(live) => Resource::existing(target, live, true),
        None => Resource::desired(target),
    };
    let mut op = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(REVISION, Timestamp::now()),
        vec![resource],
        true,
    );
    op.wave_delay_seconds = 0;
    op
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubectl_scale_is_reverted_by_the_next_sync() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let (runner, store) = (runner(cluster.clone()), Store::new(cluster.clone()));
    let never = AtomicBool::new(false);
    let first = run_operation(
        &runner,
        &store,
        payments(None),
        "ana@laptop",
        10,
        &never,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        first.phase(),
        OperationPhase::Succeeded,
        "{}",
        first.message()
    );

    let key = ResourceKey::new("apps", "Deployment", "payments", "payments");
    let (api, _) = cluster
        .api_for("apps", "Deployment", "payments")
        .await
        .unwrap()
        .expect("deployments served");
    api.patch_scale(
        "payments",
        &PatchParams {
            field_manager: Some("kubectl".into()),
            ..PatchParams::default()
        },
        &Patch::Merge(json!({"spec": {"replicas": 5}})),
    )
    .await
    .expect("scale");
    let scaled = cluster.get(&key).await.unwrap().expect("live");
    assert_eq!(scaled["spec"]["replicas"], 5);

    let second = run_operation(
        &runner,
        &store,
        payments(Some(scaled)),
        "ana@laptop",
        10,
        &never,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        second.phase(),
        OperationPhase::Succeeded,
        "{}",
        second.message()
    );
    let reverted = cluster.get(&key).await.unwrap().expect("live");
    assert_eq!(reverted["spec"]["replicas"], 3);
    let messages: Vec<&str> = second.tasks.iter().map(|t| t.message.as_str()).collect();
    assert!(
        messages.contains(&"deployment.apps/payments configured"),
        "{messages:?}"
    );
    let history = store.load("payments").await.unwrap().history;
    assert_eq!(history.iter().map(|e| e.id).collect::<Vec<_>>(), vec![0, 1]);
}
