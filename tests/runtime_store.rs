//! History and runtime state stored in the destination cluster.

mod runtime_support;

use jiff::Timestamp;
use plumb::cluster::LEASE_DURATION;
use plumb::engine::store::{FreezeRecord, INTERRUPTED, Store};
use plumb::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest};
use plumb::sandbox::faults::{FaultEffect, FaultRule};
use runtime_support::*;

/// A finished (aborted) operation started at `second`.
fn finished_op(second: i64, phase: OperationPhase) -> SyncOperation {
    let started = Timestamp::from_second(1_700_000_000 + second).expect("valid timestamp");
    let request = SyncRequest::new(REVISION, started);
    let mut op = SyncOperation::start(
        "payments",
        "payments",
        request,
        vec![Resource::desired(config_map("payments", "a", 0))],
        false,
    );
    op.abort(phase, "done", started);
    op
}

fn ids(store_history: &[plumb::engine::sync::HistoryEntry]) -> Vec<i64> {
    store_history.iter().map(|e| e.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_under_faults_never_lose_or_duplicate_history() {
    let sandbox = running_sandbox();
    for (verb, effect) in [
        ("update", FaultEffect::Error(500)),
        ("update", FaultEffect::Error(409)),
        ("create", FaultEffect::TooManyRequests { retry_after: 0 }),
        ("update", FaultEffect::TooManyRequests { retry_after: 0 }),
    ] {
        sandbox.faults().add(FaultRule {
            verb: Some(verb.into()),
            kind: Some("ConfigMap".into()),
            rate: 0.05,
            effect,
        });
    }
    let cluster = sandbox_cluster(&sandbox);
    let mut writers = Vec::new();
    for writer in 0..4 {
        let store = Store::new(cluster.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..3 {
                let op = finished_op(writer * 10 + n, OperationPhase::Succeeded);
                store.finish_operation("payments", &op, 100).await.unwrap();
                // The same operation recorded twice (a retried request) adds nothing.
                store.finish_operation("payments", &op, 100).await.unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let state = Store::new(cluster).load("payments").await.unwrap();
    assert_eq!(ids(&state.history), (0..12).collect::<Vec<_>>());
    let mut starts: Vec<i64> = state
        .history
        .iter()
        .map(|e| e.deploy_started_at.as_second() - 1_700_000_000)
        .collect();
    starts.sort();
    let expected: Vec<i64> = (0..4)
        .flat_map(|w| (0..3).map(move |n| w * 10 + n))
        .collect();
    assert_eq!(starts, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_bounded_by_the_limit() {
    let sandbox = running_sandbox();
    let store = Store::new(sandbox_cluster(&sandbox));
    for n in 0..5 {
        store
            .finish_operation("payments", &finished_op(n, OperationPhase::Succeeded), 3)
            .await
            .unwrap();
    }
    let state = store.load("payments").await.unwrap();
    assert_eq!(ids(&state.history), vec![2, 3, 4]);
    assert_eq!(
        state.operation.map(|op| op.phase()),
        Some(OperationPhase::Succeeded)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_left_running_by_a_dead_plumb_is_recorded_as_interrupted() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let store = Store::new(cluster.clone());
    let running = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(REVISION, Timestamp::now()),
        vec![Resource::desired(config_map("payments", "a", 0))],
        false,
    );
    store.save_operation("payments", &running).await.unwrap();

    // While its holder is alive, nothing is touched.
    let alive = cluster
        .acquire_lease("payments", "ana@laptop", LEASE_DURATION)
        .await
        .unwrap();
    assert_eq!(
        store
            .recover_interrupted("payments", "bo@desk", 10)
            .await
            .unwrap(),
        None
    );
    alive.release().await.unwrap();

    let recovered = store
        .recover_interrupted("payments", "bo@desk", 10)
        .await
        .unwrap()
        .expect("recovered");
    assert_eq!(recovered.phase(), OperationPhase::Error);
    let state = store.load("payments").await.unwrap();
    assert_eq!(state.history.len(), 1);
    assert_eq!(state.history[0].message, INTERRUPTED);
    assert!(state.operation.unwrap().is_done());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freezes_and_auto_sync_overrides_are_stored() {
    let sandbox = running_sandbox();
    let store = Store::new(sandbox_cluster(&sandbox));
    let freeze = FreezeRecord {
        reason: "incident 42".into(),
        by: "ana@laptop".into(),
        since: Timestamp::from_second(1_700_000_000).unwrap(),
    };
    store.set_global_freeze(Some(freeze.clone())).await.unwrap();
    assert_eq!(store.global_freeze().await.unwrap(), Some(freeze.clone()));
    store
        .update("payments", |s| {
            s.freeze = Some(freeze.clone());
            s.autosync.auto_sync = Some(false);
            s.autosync.paused_reason = Some("rollback to 1".into());
        })
        .await
        .unwrap();
    let state = store.load("payments").await.unwrap();
    assert_eq!(state.freeze, Some(freeze));
    assert_eq!(
        state.autosync.paused_reason.as_deref(),
        Some("rollback to 1")
    );
    store.set_global_freeze(None).await.unwrap();
    assert_eq!(store.global_freeze().await.unwrap(), None);
}
