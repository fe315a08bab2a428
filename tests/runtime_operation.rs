//! Whole operations: lease, stored progress, history.

mod runtime_support;

use std::sync::atomic::AtomicBool;

use jiff::Timestamp;
use plumb::cluster::{LEASE_DURATION, LockError};
use plumb::engine::runtime::{OperationError, run_operation};
use plumb::engine::store::Store;
use plumb::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest};
use runtime_support::*;

fn payments_op() -> SyncOperation {
    let mut op = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(REVISION, Timestamp::now()),
        vec![
            Resource::desired(config_map("payments", "settings", 0)),
            Resource::desired(deployment("payments", "api", 3, 1)),
        ],
        true,
    );
    op.wave_delay_seconds = 0;
    op
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_runs_under_the_lease_and_lands_in_history() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let (runner, store) = (runner(cluster.clone()), Store::new(cluster.clone()));
    let never = AtomicBool::new(false);
    let mut steps = 0;
    let done = run_operation(
        &runner,
        &store,
        payments_op(),
        "ana@laptop",
        10,
        &never,
        |_| steps += 1,
    )
    .await
    .expect("sync runs");
    assert_eq!(
        done.phase(),
        OperationPhase::Succeeded,
        "{}",
        done.message()
    );
    assert!(steps > 0);
    let state = store.load("payments").await.unwrap();
    assert_eq!(state.history.len(), 1);
    assert_eq!(state.history[0].result, OperationPhase::Succeeded);
    assert!(state.operation.unwrap().is_done());

    // The lease was released: a second operation runs and history grows.
    let again = run_operation(
        &runner,
        &store,
        payments_op(),
        "bo@desk",
        10,
        &never,
        |_| {},
    )
    .await
    .expect("second sync runs");
    assert_eq!(again.phase(), OperationPhase::Succeeded);
    assert_eq!(store.load("payments").await.unwrap().history.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_plumb_syncing_the_same_app_is_refused() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let (runner, store) = (runner(cluster.clone()), Store::new(cluster.clone()));
    let first = cluster
        .acquire_lease("payments", "ana@laptop", LEASE_DURATION)
        .await
        .unwrap();
    let never = AtomicBool::new(false);
    let refused = run_operation(
        &runner,
        &store,
        payments_op(),
        "bo@desk",
        10,
        &never,
        |_| {},
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(&refused, OperationError::Lock(LockError::Held { holder, .. }) if holder == "ana@laptop"),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .starts_with("operation in progress, held by ana@laptop since "),
        "{refused}"
    );
    assert!(store.load("payments").await.unwrap().history.is_empty());
    first.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_op_from_another_plumb_stops_a_running_operation() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let store = Store::new(cluster.clone());
    let mut stuck_hook = hook_job("payments", "migrate", "PreSync");
    stuck_hook["spec"]["template"]["spec"]["containers"][0]["image"] =
        serde_json::json!("registry/pullerror:1");
    let mut op = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(REVISION, Timestamp::now()),
        vec![
            Resource::desired(stuck_hook),
            Resource::desired(config_map("payments", "settings", 0)),
        ],
        true,
    );
    op.wave_delay_seconds = 0;
    let running = {
        let (runner, store) = (runner(cluster.clone()), store.clone());
        tokio::spawn(async move {
            let never = AtomicBool::new(false);
            run_operation(&runner, &store, op, "ana@laptop", 10, &never, |_| {}).await
        })
    };
    // Another plumb asks for termination once the operation is stored as running.
    let other = Store::new(cluster.clone());
    let asked = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            if let Some(op) = other
                .request_termination("payments", "bo@desk")
                .await
                .unwrap()
            {
                return op;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the operation shows up as running");
    assert_eq!(asked.app_name, "payments");

    let done = tokio::time::timeout(std::time::Duration::from_secs(60), running)
        .await
        .expect("the operation stops")
        .unwrap()
        .expect("operation ran");
    assert_eq!(done.phase(), OperationPhase::Failed, "{}", done.message());
    let state = store.load("payments").await.unwrap();
    assert_eq!(state.history.len(), 1);
    assert_eq!(state.terminate, None);
    assert!(
        !state.history[0].message.is_empty() && state.history[0].result == OperationPhase::Failed
    );
    let settings = cluster
        .get(&plumb::model::ResourceKey::new(
            "",
            "ConfigMap",
            "payments",
            "settings",
        ))
        .await
        .unwrap();
    assert!(settings.is_none(), "the Sync phase never ran");
}
