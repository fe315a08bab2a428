//! Waves −1…5 with PreSync / PostSync / SyncFail hooks against the sandbox,
//! the order read from the sandbox's own change records.

mod runtime_support;

use plumb::engine::sync::{OperationPhase, Resource};
use plumb::sandbox::Sandbox;
use plumb::sandbox::store::EventType;
use runtime_support::*;
use serde_json::{Value, json};

/// The names of objects created in `namespace`, in the order the sandbox stored them.
fn created_in(sandbox: &Sandbox, namespace: &str) -> Vec<String> {
    let state = sandbox.shared().state();
    let changes = state.store.changes_since(0).expect("history reaches back");
    changes
        .into_iter()
        .filter(|c| c.event == EventType::Added && c.key.namespace == namespace)
        .filter(|c| matches!(c.key.kind.as_str(), "ConfigMap" | "Job" | "Deployment"))
        .map(|c| c.key.name)
        .collect()
}

fn job(ns: &str, name: &str, image: &str, wave: i32, hook: Option<&str>) -> Value {
    let mut job = hook_job(ns, name, hook.unwrap_or("Sync"));
    if hook.is_none() {
        job["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-wave": wave.to_string()});
    }
    job["spec"]["backoffLimit"] = json!(0);
    job["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
    job
}

fn orders(ns: &str, wave_zero_job_image: &str) -> Vec<Resource> {
    let mut objects = vec![
        job(ns, "pre-migrate", "busybox", 0, Some("PreSync")),
        job(ns, "post-smoke", "busybox", 0, Some("PostSync")),
        job(ns, "on-fail-page", "busybox", 0, Some("SyncFail")),
        job(ns, "seed", wave_zero_job_image, 0, None),
    ];
    objects.extend((-1..=5).map(|w| config_map(ns, &format!("wave{w}"), w)));
    objects.push(deployment(ns, "orders", 1, 2));
    objects.into_iter().map(Resource::desired).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waves_and_hooks_run_in_order() {
    let sandbox = running_sandbox();
    let runner = runner(sandbox_cluster(&sandbox));
    let op = sync(&runner, "orders", orders("orders", "busybox")).await;
    assert_eq!(op.phase(), OperationPhase::Succeeded, "{}", op.message());
    let created = created_in(&sandbox, "orders");
    let position = |name: &str| {
        created
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name} never created: {created:?}"))
    };
    let expected = [
        "pre-migrate",
        "wave-1",
        "wave0",
        "wave1",
        "wave2",
        "wave3",
        "wave4",
        "wave5",
        "post-smoke",
    ];
    for pair in expected.windows(2) {
        assert!(
            position(pair[0]) < position(pair[1]),
            "{pair:?} in {created:?}"
        );
    }
    assert!(position("seed") > position("wave-1") && position("seed") < position("wave1"));
    assert!(position("orders") > position("wave1") && position("orders") < position("wave3"));
    assert!(!created.iter().any(|n| n == "on-fail-page"), "{created:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_degraded_early_wave_fails_the_sync_and_runs_sync_fail() {
    let sandbox = running_sandbox();
    let runner = runner(sandbox_cluster(&sandbox));
    let op = sync(&runner, "broken", orders("broken", "registry/fail:1")).await;
    assert_eq!(op.phase(), OperationPhase::Failed, "{}", op.message());
    let created = created_in(&sandbox, "broken");
    assert!(created.iter().any(|n| n == "on-fail-page"), "{created:?}");
    assert!(!created.iter().any(|n| n == "wave1"), "{created:?}");
    assert!(!created.iter().any(|n| n == "post-smoke"), "{created:?}");
}
