//! Automated sync gates and self-heal backoff (§4.2–4.3, T24).

use std::time::Duration;

use jiff::Timestamp;
use plumb::engine::policy::{
    AutoSyncDecision, AutoSyncInput, ComparisonSummary, LastOperation, ResourceSyncSummary,
    SelfHealSettings, SyncStatusCode, decide_auto_sync,
};
use plumb::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest, history_entry};
use plumb::model::{Application, ApplicationSource, ResourceKey};
use serde_json::json;

const SHA: &str = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).expect("timestamp")
}

fn source() -> ApplicationSource {
    serde_json::from_value(json!({"repoURL": "https://github.com/acme/shop", "path": "deploy"}))
        .expect("source")
}

fn app(automated: serde_json::Value) -> Application {
    serde_json::from_value(json!({
        "metadata": {"name": "shop"},
        "spec": {
            "source": {"repoURL": "https://github.com/acme/shop", "path": "deploy"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
            "syncPolicy": {"automated": automated}
        }
    }))
    .expect("application")
}

fn res(name: &str, status: SyncStatusCode, requires_pruning: bool) -> ResourceSyncSummary {
    ResourceSyncSummary {
        key: ResourceKey::new("", "ConfigMap", "shop", name),
        status,
        requires_pruning,
    }
}

fn comparison(resources: Vec<ResourceSyncSummary>) -> ComparisonSummary {
    ComparisonSummary {
        status: SyncStatusCode::OutOfSync,
        resources,
        revision: SHA.into(),
        sources: vec![source()],
    }
}

fn last(phase: OperationPhase, message: &str, attempts: u32, finished: i64) -> LastOperation {
    LastOperation {
        phase,
        message: message.into(),
        revision: SHA.into(),
        sources: vec![source()],
        finished_at: Some(ts(finished)),
        auto_heal_attempts: attempts,
    }
}

fn decide(
    app: &Application,
    cmp: &ComparisonSummary,
    last: Option<&LastOperation>,
    now: i64,
) -> AutoSyncDecision {
    decide_auto_sync(&AutoSyncInput {
        app,
        comparison: cmp,
        operation_in_progress: false,
        last,
        window_allows: true,
        now: ts(now),
        freeze: None,
        self_heal: SelfHealSettings::default(),
    })
}

fn reason(decision: &AutoSyncDecision) -> &str {
    match decision {
        AutoSyncDecision::Skip { reason, .. } => reason,
        other => panic!("expected Skip, got {other:?}"),
    }
}

#[test]
fn t24_prune_disabled_and_only_pruning_needed_means_no_operation() {
    let cmp = comparison(vec![
        res("a", SyncStatusCode::Synced, false),
        res("old", SyncStatusCode::OutOfSync, true),
    ]);
    let d = decide(&app(json!({"prune": false})), &cmp, None, 100);
    assert_eq!(
        reason(&d),
        "need to prune extra resources only but automated prune is disabled"
    );
}

#[test]
fn t24_auto_sync_will_not_wipe_out_all_resources() {
    let cmp = comparison(vec![
        res("a", SyncStatusCode::OutOfSync, true),
        res("b", SyncStatusCode::OutOfSync, true),
    ]);
    let d = decide(&app(json!({"prune": true})), &cmp, None, 100);
    assert_eq!(
        d,
        AutoSyncDecision::Error(format!(
            "Skipping sync attempt to [{SHA}]: auto-sync will wipe out all resources"
        ))
    );
    let allowed = decide(
        &app(json!({"prune": true, "allowEmpty": true})),
        &cmp,
        None,
        100,
    );
    assert!(matches!(allowed, AutoSyncDecision::Sync(_)));
}

#[test]
fn t24_a_failed_revision_is_not_retried_in_a_loop() {
    let cmp = comparison(vec![res("a", SyncStatusCode::OutOfSync, false)]);
    let failed = last(
        OperationPhase::Failed,
        "one or more objects failed to apply, reason: boom",
        0,
        50,
    );
    let d = decide(&app(json!({})), &cmp, Some(&failed), 100);
    assert_eq!(
        d,
        AutoSyncDecision::Error(format!(
            "Failed last sync attempt to [{SHA}]: one or more objects failed to apply, reason: boom"
        ))
    );
    let mut other_revision = failed.clone();
    other_revision.revision = "0000000000000000000000000000000000000000".into();
    assert!(matches!(
        decide(&app(json!({})), &cmp, Some(&other_revision), 100),
        AutoSyncDecision::Sync(_)
    ));
}

#[test]
fn t24_self_heal_waits_out_the_backoff() {
    let cmp = comparison(vec![res("a", SyncStatusCode::OutOfSync, false)]);
    let prev = last(
        OperationPhase::Succeeded,
        "successfully synced (all tasks run)",
        2,
        97,
    );
    let d = decide(&app(json!({"selfHeal": true})), &cmp, Some(&prev), 100);
    assert_eq!(
        d,
        AutoSyncDecision::Skip {
            reason: "self-heal backoff".into(),
            retry_at: Some(ts(103))
        }
    );
    let without_heal = decide(&app(json!({})), &cmp, Some(&prev), 100);
    assert_eq!(
        reason(&without_heal),
        format!("most recent sync already to [{SHA}]")
    );
}

#[test]
fn t24_self_heal_is_a_selective_sync_without_hooks_or_history() {
    let cmp = comparison(vec![
        res("drifted", SyncStatusCode::OutOfSync, false),
        res("fine", SyncStatusCode::Synced, false),
    ]);
    let prev = last(OperationPhase::Succeeded, "ok", 0, 90);
    let AutoSyncDecision::Sync(request) =
        decide(&app(json!({"selfHeal": true})), &cmp, Some(&prev), 100)
    else {
        panic!("expected a sync");
    };
    assert_eq!(
        request.resources,
        Some(vec![ResourceKey::new("", "ConfigMap", "shop", "drifted")])
    );
    assert!(request.self_heal);
    assert!(request.skips_hooks());
    assert_eq!(request.auto_heal_attempts, 1);
    assert!(request.initiated_by.automated);

    let hook = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "h", "namespace": "shop",
        "annotations": {"argocd.argoproj.io/hook": "PreSync"}}});
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "drifted", "namespace": "shop"}});
    let mut op = SyncOperation::start(
        "shop",
        "shop",
        *request,
        vec![Resource::desired(hook), Resource::desired(cm)],
        false,
    );
    assert_eq!(op.tasks.len(), 1, "the hook is skipped");
    let obs = plumb::engine::sync::Observation::at(ts(100));
    let effects = op.step(&obs);
    for e in &effects {
        if let Some(k) = e.key() {
            op.record(plumb::engine::sync::EffectOutcome::Done {
                key: k.clone(),
                message: String::new(),
            });
        }
    }
    for e in op.step(&obs) {
        if let Some(k) = e.key() {
            op.record(plumb::engine::sync::EffectOutcome::Done {
                key: k.clone(),
                message: String::new(),
            });
        }
    }
    op.step(&obs);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(history_entry(&op, 0, ts(101)), None);
}

#[test]
fn self_heal_backoff_table() {
    let s = SelfHealSettings::default();
    let delays: Vec<u64> = (0..8).map(|n| s.delay(n).as_secs()).collect();
    assert_eq!(delays, [0, 2, 6, 18, 54, 162, 300, 300]);
    let legacy = SelfHealSettings {
        backoff_timeout: Duration::ZERO,
        timeout: Duration::from_secs(5),
        ..s
    };
    assert_eq!(legacy.delay(4), Duration::from_secs(5));
}

#[test]
fn gates_before_the_comparison() {
    let cmp = comparison(vec![res("a", SyncStatusCode::OutOfSync, false)]);
    let manual: Application =
        serde_json::from_value(json!({"metadata": {"name": "shop"}, "spec": {}})).expect("app");
    assert_eq!(
        reason(&decide(&manual, &cmp, None, 100)),
        "automated sync is not enabled"
    );
    let disabled = app(json!({"enabled": false}));
    assert_eq!(
        reason(&decide(&disabled, &cmp, None, 100)),
        "automated sync is not enabled"
    );
    let a = app(json!({"selfHeal": true}));
    let mut input = AutoSyncInput {
        app: &a,
        comparison: &cmp,
        operation_in_progress: false,
        last: None,
        window_allows: true,
        now: ts(100),
        freeze: Some("incident INC-42: frozen by ana"),
        self_heal: SelfHealSettings::default(),
    };
    assert_eq!(
        reason(&decide_auto_sync(&input)),
        "incident INC-42: frozen by ana"
    );
    input.freeze = None;
    input.window_allows = false;
    assert_eq!(
        reason(&decide_auto_sync(&input)),
        "Sync prevented by sync window"
    );
    input.window_allows = true;
    input.operation_in_progress = true;
    assert_eq!(
        reason(&decide_auto_sync(&input)),
        "an operation is in progress"
    );
    input.operation_in_progress = false;
    let synced = ComparisonSummary {
        status: SyncStatusCode::Synced,
        ..cmp.clone()
    };
    input.comparison = &synced;
    assert_eq!(
        reason(&decide_auto_sync(&input)),
        "application is not OutOfSync"
    );
}

#[test]
fn an_automated_sync_request_carries_policy_and_default_retry() {
    let cmp = comparison(vec![res("a", SyncStatusCode::OutOfSync, false)]);
    let AutoSyncDecision::Sync(request) = decide(&app(json!({"prune": true})), &cmp, None, 100)
    else {
        panic!("expected a sync");
    };
    let request: SyncRequest = *request;
    assert_eq!(request.revision, SHA);
    assert!(request.prune);
    assert_eq!(request.resources, None);
    assert_eq!(request.retry.map(|r| r.limit), Some(5));
    assert_eq!(request.started_at, ts(100));
}

#[test]
fn an_operation_interrupted_by_a_dead_plumb_is_tried_again() {
    let cmp = comparison(vec![res("a", SyncStatusCode::OutOfSync, false)]);
    let interrupted = last(
        OperationPhase::Error,
        plumb::engine::store::INTERRUPTED,
        0,
        50,
    );
    let d = decide(&app(json!({})), &cmp, Some(&interrupted), 100);
    assert!(matches!(d, AutoSyncDecision::Sync(_)), "{d:?}");
}
