//! Syncs through `run_operation` while the sandbox fails writes with 500,
//! 409 and 429 from a seeded random source: each sync either succeeds
//! (the cluster adapter retries) or fails naming the object and the HTTP
//! status; history keeps exactly one entry per finished operation.

mod runtime_support;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use jiff::Timestamp;
use plumb::engine::runtime::{Runner, kubectl_name, run_operation};
use plumb::engine::store::Store;
use plumb::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest};
use plumb::sandbox::Sandbox;
use plumb::sandbox::faults::{FaultEffect, FaultRule, Faults};
use runtime_support::*;
use serde_json::{Value, json};

const APP: &str = "shop";
const NS: &str = "shop";
const SYNCS: usize = 4;

/// A demo-like app: PreSync and PostSync hook Jobs, waves −1…2, a Deployment.
fn shop() -> Vec<Resource> {
    let mut objects: Vec<Value> = vec![
        hook_job(NS, "migrate", "PreSync"),
        hook_job(NS, "smoke", "PostSync"),
        deployment(NS, "web", 1, 1),
        deployment(NS, "worker", 1, 2),
    ];
    objects.extend((-1..=2).map(|w| config_map(NS, &format!("settings{}", w + 1), w)));
    objects.push(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": NS,
            "annotations": {"argocd.argoproj.io/sync-wave": "1"}},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}));
    for job in &mut objects {
        if job["kind"] == "Job" {
            job["spec"]["backoffLimit"] = json!(0);
        }
    }
    objects.into_iter().map(Resource::desired).collect()
}

/// 10% of writes answer 500, 10% 429, and 10% of updates and patches 409.
fn inject_write_faults(sandbox: &Sandbox, seed: u64) {
    let mut faults = sandbox.faults();
    *faults = Faults::seeded(seed);
    for verb in ["create", "update", "patch", "delete"] {
        let mut effects = vec![
            FaultEffect::Error(500),
            FaultEffect::TooManyRequests { retry_after: 0 },
        ];
        if matches!(verb, "update" | "patch") {
            effects.push(FaultEffect::Error(409));
        }
        for effect in effects {
            faults.add(FaultRule {
                verb: Some(verb.into()),
                kind: None,
                rate: 0.1,
                effect,
            });
        }
    }
}

async fn prepared_sandbox() -> (Sandbox, Runner, Store) {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    cluster
        .create(
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
            false,
        )
        .await
        .expect("namespace");
    let runner = runner(cluster.clone());
    (sandbox, runner, Store::new(cluster))
}

/// One operation of the app through `run_operation`, to its end.
async fn sync_once(runner: &Runner, store: &Store) -> SyncOperation {
    let request = SyncRequest::new(REVISION, Timestamp::now());
    let mut op = SyncOperation::start(APP, NS, request, shop(), false);
    op.wave_delay_seconds = 0;
    let never = AtomicBool::new(false);
    tokio::time::timeout(
        Duration::from_secs(120),
        run_operation(runner, store, op, "sre@laptop", 100, &never, |_| {}),
    )
    .await
    .expect("the sync ends")
    .unwrap_or_else(|e| panic!("the sync could not run: {e}"))
}

/// Every task that failed on a cluster answer names its object and the
/// HTTP status, and the operation's message points at the failure.
fn assert_failure_is_clear(op: &SyncOperation) -> Vec<String> {
    let failed: Vec<String> = op
        .tasks
        .iter()
        .filter(|t| t.message.contains("answered"))
        .map(|t| {
            assert!(
                [" 500 ", " 409 ", " 429 "]
                    .iter()
                    .any(|code| t.message.contains(code)),
                "the HTTP status in {:?}",
                t.message
            );
            let object = kubectl_name(&t.key);
            assert!(
                t.message.starts_with(&format!("{object}: ")),
                "the object {object} in {:?}",
                t.message
            );
            t.message.clone()
        })
        .collect();
    assert!(!failed.is_empty(), "a failed task: {}", op.message());
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_under_write_faults_succeed_or_fail_clearly_and_history_stays_exact() {
    let (sandbox, runner, store) = prepared_sandbox().await;
    inject_write_faults(&sandbox, 5);
    let mut finished = Vec::new();
    for n in 0..SYNCS {
        let done = sync_once(&runner, &store).await;
        match done.phase() {
            OperationPhase::Succeeded => {}
            OperationPhase::Failed | OperationPhase::Error => {
                assert_failure_is_clear(&done);
            }
            other => panic!("sync {n} ended {other:?}: {}", done.message()),
        }
        finished.push(done);
    }
    let succeeded = finished
        .iter()
        .filter(|op| op.phase() == OperationPhase::Succeeded)
        .count();
    assert!(succeeded > 0, "retries carry some syncs through");

    sandbox.faults().clear();
    let state = store
        .load(APP)
        .await
        .expect("the store survives the faults");
    assert_eq!(
        state.history.len(),
        SYNCS,
        "one entry per finished operation"
    );
    let ids: Vec<i64> = state.history.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    for (entry, op) in state.history.iter().zip(&finished) {
        assert_eq!(entry.deploy_started_at, op.started_at());
        assert_eq!(entry.result, op.phase(), "{}", entry.message);
    }
    let last = state.operation.expect("the last operation is stored");
    assert!(last.is_done());
    assert_eq!(last.started_at(), finished[SYNCS - 1].started_at());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_keeps_failing_fails_the_sync_naming_object_and_status_once_in_history() {
    let (sandbox, runner, store) = prepared_sandbox().await;
    sandbox.faults().add(FaultRule {
        verb: Some("patch".into()),
        kind: Some("Service".into()),
        rate: 1.0,
        effect: FaultEffect::Error(500),
    });
    let failed = sync_once(&runner, &store).await;
    assert_eq!(
        failed.phase(),
        OperationPhase::Failed,
        "{}",
        failed.message()
    );
    let messages = assert_failure_is_clear(&failed);
    eprintln!("{} / {messages:?}", failed.message());
    assert!(
        messages
            .iter()
            .any(|m| m.contains("web") && m.contains(" 500 ")),
        "{messages:?}"
    );

    sandbox.faults().clear();
    let next = sync_once(&runner, &store).await;
    assert_eq!(
        next.phase(),
        OperationPhase::Succeeded,
        "{}",
        next.message()
    );
    let state = store.load(APP).await.expect("state");
    let results: Vec<(i64, OperationPhase)> =
        state.history.iter().map(|e| (e.id, e.result)).collect();
    assert_eq!(
        results,
        [(0, OperationPhase::Failed), (1, OperationPhase::Succeeded)]
    );
}
