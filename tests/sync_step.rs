//! The step function: single-step success, health-gated waves, failing
//! hooks, dry-run failures (T11–T14).

mod sync_support;

use plumb::engine::health::Health;
use plumb::engine::sync::{Effect, OperationPhase, Resource, ResultCode, TaskState};
use plumb::model::ResourceKey;
use sync_support::*;

#[test]
fn t11_single_step_succeeds_without_waiting_for_health() {
    let mut sim = Sim::new();
    let web = object("apps/v1", "Deployment", "app", "web", &[]);
    let svc = object("v1", "Service", "app", "web", &[]);
    sim.health.insert(
        ResourceKey::of(&web),
        Health::progressing("Waiting for rollout"),
    );
    let mut op = start(
        vec![Resource::desired(web), Resource::desired(svc)],
        request(),
    );
    sim.step(&mut op); // dry run
    let applies = sim.step(&mut op);
    assert_eq!(applies.len(), 2);
    sim.step(&mut op);
    assert!(op.is_done());
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(op.message(), "successfully synced (all tasks run)");
    assert_eq!(
        sim.log,
        [
            "dry-run Service/web",
            "dry-run Deployment/web",
            "apply Service/web",
            "apply Deployment/web"
        ]
    );
}

#[test]
fn t12_two_waves_are_health_gated_and_the_last_is_not() {
    let mut sim = Sim::new();
    let web = deploy("web", 1);
    sim.health
        .insert(ResourceKey::of(&web), Health::progressing(""));
    let mut op = start(
        vec![Resource::desired(cm("cm", 0)), Resource::desired(web)],
        request(),
    );
    sim.run(&mut op, 10);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(op.message(), "successfully synced (all tasks run)");
    assert_eq!(
        sim.log,
        [
            "dry-run ConfigMap/cm",
            "dry-run Deployment/web",
            "apply ConfigMap/cm",
            "wait 2",
            "apply Deployment/web"
        ]
    );
}

#[test]
fn t12_variant_waits_for_a_healthy_deployment() {
    let mut sim = Sim::new();
    let web = deploy("web", 0);
    let web_key = ResourceKey::of(&web);
    sim.health.insert(
        web_key.clone(),
        Health::progressing("Waiting for rollout to finish"),
    );
    let mut op = start(
        vec![Resource::desired(web), Resource::desired(cm("cm", 1))],
        request(),
    );
    sim.run(&mut op, 8);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(
        op.message(),
        "waiting for healthy state of apps/Deployment/web"
    );
    assert!(!sim.log.contains(&"apply ConfigMap/cm".to_owned()));

    sim.health.insert(web_key, Health::healthy());
    sim.run(&mut op, 8);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(
        sim.log.last().map(String::as_str),
        Some("apply ConfigMap/cm")
    );
}

#[test]
fn t12_variant_degraded_fails_without_a_reason_suffix() {
    let mut sim = Sim::new();
    let web = deploy("web", 0);
    sim.health.insert(
        ResourceKey::of(&web),
        Health::degraded("Deployment \"web\" exceeded its progress deadline"),
    );
    let mut op = start(
        vec![Resource::desired(web), Resource::desired(cm("cm", 1))],
        request(),
    );
    sim.run(&mut op, 10);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more synchronization tasks completed unsuccessfully"
    );
    assert_eq!(op.tasks[0].result, Some(ResultCode::Synced));
    assert_eq!(op.tasks[0].state, TaskState::Failed);
    assert!(!sim.log.contains(&"apply ConfigMap/cm".to_owned()));
}

#[test]
fn t13_a_failing_presync_hook_stops_the_sync() {
    let mut sim = Sim::new();
    let failed_hook = job_hook("migrate-", "PreSync", Some("HookFailed"));
    let kept_hook = job_hook("report-", "PreSync", Some("HookSucceeded"));
    let web = deploy("web", 0);
    let mut op = start(
        vec![
            Resource::desired(failed_hook),
            Resource::desired(kept_hook),
            Resource::desired(web),
        ],
        request(),
    );
    let migrate = op
        .tasks
        .iter()
        .find(|t| t.key.name.starts_with("migrate-"))
        .map(|t| t.key.clone())
        .expect("hook");
    let report = op
        .tasks
        .iter()
        .find(|t| t.key.name.starts_with("report-"))
        .map(|t| t.key.clone())
        .expect("hook");
    sim.health.insert(
        migrate.clone(),
        Health::degraded("BackoffLimitExceeded: Job has reached the specified backoff limit"),
    );
    sim.health.insert(report.clone(), Health::healthy());
    sim.run(&mut op, 10);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more synchronization tasks completed unsuccessfully"
    );
    assert!(
        !sim.log.contains(&"apply Deployment/web".to_owned()),
        "{:?}",
        sim.log
    );
    assert!(!sim.live.contains_key(&migrate), "HookFailed hook deleted");
    assert!(sim.live.contains_key(&report), "HookSucceeded hook kept");
    let failed = op.tasks.iter().find(|t| t.key == migrate).expect("task");
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message,
        "BackoffLimitExceeded: Job has reached the specified backoff limit"
    );
}

#[test]
fn t14_dry_run_failure_applies_nothing() {
    let mut sim = Sim::new();
    let bad = cm("bad", 0);
    sim.fail_dry_run
        .insert(ResourceKey::of(&bad), "ConfigMap \"bad\" is invalid".into());
    let mut op = start(
        vec![Resource::desired(bad), Resource::desired(cm("good", 1))],
        request(),
    );
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more objects failed to apply (dry run)"
    );
    assert!(
        sim.log.iter().all(|l| l.starts_with("dry-run")),
        "{:?}",
        sim.log
    );
    assert_eq!(op.tasks[0].result, Some(ResultCode::SyncFailed));
    assert_eq!(op.tasks[0].message, "ConfigMap \"bad\" is invalid");
}

#[test]
fn an_apply_error_fails_with_the_reason() {
    let mut sim = Sim::new();
    let bad = cm("bad", 0);
    sim.fail_apply
        .insert(ResourceKey::of(&bad), "admission webhook denied".into());
    let mut op = start(
        vec![Resource::desired(bad), Resource::desired(cm("other", 0))],
        request(),
    );
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more objects failed to apply, reason: admission webhook denied"
    );
    assert!(
        sim.log.contains(&"apply ConfigMap/other".to_owned()),
        "the rest of the group is applied"
    );
}

#[test]
fn invalid_tasks_fail_before_anything_runs() {
    let mut ns = Resource::desired(object("v1", "Namespace", "", "extra", &[]));
    ns.permitted = Err("resource :Namespace is not permitted in project team".into());
    let mut sim = Sim::new();
    let mut op = start(vec![ns, Resource::desired(cm("c", 0))], request());
    sim.run(&mut op, 3);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more synchronization tasks are not valid: resource :Namespace is not permitted in project team"
    );
    assert!(sim.log.is_empty());
}

#[test]
fn apply_out_of_sync_only_skips_unchanged_resources() {
    let mut req = request();
    req.options = plumb::engine::policy::SyncOptions::parse(&["ApplyOutOfSyncOnly=true".into()]);
    let same = cm("same", 0);
    let changed = cm("changed", 0);
    let mut sim = Sim::new();
    sim.live.insert(ResourceKey::of(&same), same.clone());
    sim.live.insert(ResourceKey::of(&changed), changed.clone());
    let resources = vec![
        Resource::existing(same.clone(), same, false),
        Resource::existing(changed.clone(), changed, true),
    ];
    let mut op = start(resources, req);
    sim.run(&mut op, 6);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(
        sim.log,
        ["dry-run ConfigMap/changed", "apply ConfigMap/changed"]
    );
}

#[test]
fn create_namespace_applies_the_namespace_before_the_dry_run() {
    let mut req = request();
    let mut meta = plumb::model::ManagedNamespaceMetadata::default();
    meta.labels.insert("team".into(), "shop".into());
    req.managed_namespace_metadata = Some(meta);
    let mut op = plumb::engine::sync::SyncOperation::start(
        "guestbook",
        "app",
        req,
        vec![Resource::desired(cm("c", 0))],
        true,
    );
    let mut sim = Sim::new();
    let first = sim.step(&mut op);
    match first.as_slice() {
        [
            Effect::Apply {
                key,
                object,
                dry_run: false,
                ..
            },
        ] => {
            assert_eq!(key, &ResourceKey::new("", "Namespace", "", "app"));
            assert_eq!(
                object
                    .pointer("/metadata/labels/team")
                    .and_then(|v| v.as_str()),
                Some("shop")
            );
        }
        other => panic!("expected the namespace apply first, got {other:?}"),
    }
    sim.run(&mut op, 8);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(
        sim.log,
        [
            "apply Namespace/app",
            "dry-run ConfigMap/c",
            "apply ConfigMap/c"
        ]
    );
}

#[test]
fn a_window_block_holds_the_operation() {
    let mut sim = Sim::new();
    let mut op = start(vec![Resource::desired(cm("c", 0))], request());
    let mut obs = sim.observe();
    obs.blocked_by_window = true;
    assert!(op.step(&obs).is_empty());
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(op.message(), "Sync operation blocked by sync window");
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
}

#[test]
fn the_operation_survives_a_serde_round_trip_mid_sync() {
    let mut sim = Sim::new();
    let web = deploy("web", 0);
    sim.health
        .insert(ResourceKey::of(&web), Health::progressing(""));
    let mut op = start(
        vec![Resource::desired(web), Resource::desired(cm("c", 1))],
        request(),
    );
    sim.run(&mut op, 4);
    let stored = serde_json::to_string(&op).expect("serialize");
    let mut restored: plumb::engine::sync::SyncOperation =
        serde_json::from_str(&stored).expect("deserialize");
    assert_eq!(restored, op);
    restored.abort(
        OperationPhase::Error,
        "interrupted: plumb stopped during the sync",
        ts(1_700_000_500),
    );
    assert_eq!(restored.phase(), OperationPhase::Error);
    assert_eq!(
        restored.message(),
        "interrupted: plumb stopped during the sync"
    );
    assert!(restored.is_done());
}

#[test]
fn waiting_messages_name_the_first_task_and_count_the_rest() {
    use plumb::engine::sync::{Waiting, waiting_message};
    let op = start(
        vec![
            Resource::desired(job_hook("a-", "Sync", None)),
            Resource::desired(job_hook("b-", "Sync", None)),
            Resource::desired(deploy("web", 0)),
            Resource::desired(cm("cfg", 0)),
        ],
        request(),
    );
    let hooks: Vec<_> = op.tasks.iter().filter(|t| t.is_hook()).collect();
    assert_eq!(
        waiting_message(&hooks, Waiting::Completion),
        "waiting for completion of hook batch/Job/a-0123456-sync-1700000000 and 1 more hooks"
    );
    let all: Vec<_> = op.tasks.iter().collect();
    assert_eq!(
        waiting_message(&all, Waiting::Completion),
        "waiting for completion of hook batch/Job/a-0123456-sync-1700000000 and 3 more resources"
    );
    let plain: Vec<_> = op.tasks.iter().filter(|t| !t.is_hook()).collect();
    assert_eq!(
        waiting_message(&plain, Waiting::Completion),
        "waiting for healthy state of /ConfigMap/cfg and 1 more resources"
    );
    assert_eq!(
        waiting_message(&plain[..1], Waiting::Deletion),
        "waiting for deletion of /ConfigMap/cfg"
    );
    assert_eq!(
        waiting_message(&hooks[..1], Waiting::Deletion),
        "waiting for deletion of hook batch/Job/a-0123456-sync-1700000000"
    );
    assert_eq!(waiting_message(&[], Waiting::Completion), "");
}
