//! A fixture with waves -1..5 and PreSync/PostSync/SyncFail hooks, driven
//! step by step against a simulated cluster.

mod sync_support;

use plumb::engine::health::Health;
use plumb::engine::sync::{
    Effect, OperationPhase, Resource, SyncOperation, SyncPhase, concurrent_batches,
};
use plumb::model::ResourceKey;
use serde_json::Value;
use sync_support::*;

fn fixture() -> Vec<Resource> {
    let text = std::fs::read_to_string("tests/fixtures/sync/waves.yaml").expect("fixture");
    text.split("\n---\n")
        .map(|doc| serde_yaml::from_str::<Value>(doc).expect("YAML document"))
        .map(|obj| {
            let mut r = Resource::desired(obj.clone());
            if r.key.name.is_empty() {
                r.key.name = obj
                    .pointer("/metadata/generateName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
            }
            r
        })
        .collect()
}

fn summary(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Apply {
                key, dry_run: true, ..
            } => format!("dry-run {}/{}", key.kind, key.name),
            Effect::Apply { key, .. } => format!("apply {}/{}", key.kind, key.name),
            Effect::Delete { key, .. } => format!("delete {}/{}", key.kind, key.name),
            Effect::RemoveHookFinalizer { key } => format!("unfinalize {}/{}", key.kind, key.name),
            Effect::Wait { seconds } => format!("wait {seconds}"),
        })
        .collect()
}

fn healthy_everything(sim: &mut Sim, op: &SyncOperation) {
    for task in &op.tasks {
        if matches!(
            task.key.kind.as_str(),
            "Deployment" | "Job" | "Ingress" | "Service"
        ) {
            sim.health.insert(task.key.clone(), Health::healthy());
        }
    }
}

const MIGRATE: &str = "migrate-0123456-presync-1700000000";
const SMOKE: &str = "smoke-0123456-postsync-1700000000";

#[test]
fn the_task_list_is_ordered_by_phase_wave_and_kind() {
    let op = start(fixture(), request());
    let order: Vec<String> = op
        .tasks
        .iter()
        .map(|t| {
            format!(
                "{}:{}:{}/{}",
                t.phase.as_str(),
                t.wave,
                t.key.kind,
                t.key.name
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            format!("PreSync:0:Job/{MIGRATE}"),
            "Sync:-1:ServiceAccount/runner".into(),
            "Sync:0:Secret/creds".into(),
            "Sync:0:ConfigMap/settings".into(),
            "Sync:1:Service/db".into(),
            "Sync:1:Deployment/db".into(),
            "Sync:2:Deployment/api".into(),
            "Sync:3:Deployment/web".into(),
            "Sync:4:CronJob/report".into(),
            "Sync:5:Ingress/web".into(),
            format!("PostSync:0:Job/{SMOKE}"),
            "SyncFail:0:Job/notify-failure".into(),
        ]
    );
    assert_eq!(op.tasks.last().map(|t| t.phase), Some(SyncPhase::SyncFail));
}

#[test]
fn a_healthy_run_goes_wave_by_wave_and_deletes_succeeded_hooks() {
    let mut sim = Sim::new();
    let mut op = start(fixture(), request());
    healthy_everything(&mut sim, &op);
    let mut steps = Vec::new();
    for _ in 0..40 {
        if op.is_done() {
            break;
        }
        let effects = sim.step(&mut op);
        if !effects.is_empty() {
            steps.push(summary(&effects));
        }
    }
    assert_eq!(op.phase(), OperationPhase::Succeeded, "{}", op.message());
    assert_eq!(op.message(), "successfully synced (no more tasks)");
    let expected: Vec<Vec<String>> = vec![
        vec![
            format!("dry-run Job/{MIGRATE}"),
            "dry-run ServiceAccount/runner".into(),
            "dry-run Secret/creds".into(),
            "dry-run ConfigMap/settings".into(),
            "dry-run Service/db".into(),
            "dry-run Deployment/db".into(),
            "dry-run Deployment/api".into(),
            "dry-run Deployment/web".into(),
            "dry-run CronJob/report".into(),
            "dry-run Ingress/web".into(),
            format!("dry-run Job/{SMOKE}"),
            "dry-run Job/notify-failure".into(),
        ],
        vec![format!("apply Job/{MIGRATE}")],
        vec!["wait 2".into()],
        vec![
            format!("unfinalize Job/{MIGRATE}"),
            "apply ServiceAccount/runner".into(),
        ],
        vec!["wait 2".into()],
        vec![
            "apply Secret/creds".into(),
            "apply ConfigMap/settings".into(),
        ],
        vec!["wait 2".into()],
        vec!["apply Service/db".into(), "apply Deployment/db".into()],
        vec!["wait 2".into()],
        vec!["apply Deployment/api".into()],
        vec!["wait 2".into()],
        vec!["apply Deployment/web".into()],
        vec!["wait 2".into()],
        vec!["apply CronJob/report".into()],
        vec!["wait 2".into()],
        vec!["apply Ingress/web".into()],
        vec!["wait 2".into()],
        vec![format!("apply Job/{SMOKE}")],
        vec![
            format!("unfinalize Job/{SMOKE}"),
            format!("delete Job/{MIGRATE}"),
            format!("delete Job/{SMOKE}"),
        ],
    ];
    assert_eq!(steps, expected);
    assert!(!sim.live.contains_key(&key("batch", "Job", "app", MIGRATE)));
    assert!(
        !sim.live
            .contains_key(&key("batch", "Job", "app", "notify-failure")),
        "SyncFail never ran"
    );
}

#[test]
fn a_degraded_resource_in_an_early_wave_fails_the_sync_and_runs_sync_fail() {
    let mut sim = Sim::new();
    let mut op = start(fixture(), request());
    healthy_everything(&mut sim, &op);
    let db = key("apps", "Deployment", "app", "db");
    sim.health.insert(
        db,
        Health::degraded("Deployment \"db\" exceeded its progress deadline"),
    );
    let notify = key("batch", "Job", "app", "notify-failure");
    sim.health
        .insert(notify.clone(), Health::progressing("running"));
    sim.run(&mut op, 30);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(
        op.message(),
        "waiting for completion of hook batch/Job/notify-failure"
    );
    assert!(
        sim.live.contains_key(&notify),
        "the SyncFail hook was applied"
    );
    assert!(
        !sim.log.contains(&"apply Deployment/api".to_owned()),
        "later waves never run"
    );

    sim.health.insert(notify, Health::healthy());
    sim.run(&mut op, 10);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more synchronization tasks completed unsuccessfully"
    );
    let after_db = sim
        .log
        .iter()
        .position(|l| l == "apply Deployment/db")
        .expect("db applied");
    assert_eq!(
        sim.log[after_db + 1..after_db + 3],
        ["wait 2", "apply Job/notify-failure"]
    );
}

#[test]
fn a_sync_fail_hook_that_cannot_be_applied_adds_a_second_line() {
    let mut sim = Sim::new();
    let mut op = start(fixture(), request());
    healthy_everything(&mut sim, &op);
    sim.fail_apply.insert(
        key("", "Secret", "app", "creds"),
        "secrets \"creds\" is forbidden".into(),
    );
    sim.fail_apply.insert(
        key("batch", "Job", "app", "notify-failure"),
        "jobs.batch is forbidden".into(),
    );
    sim.run(&mut op, 30);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more objects failed to apply, reason: secrets \"creds\" is forbidden\none or more SyncFail hooks failed, reason: jobs.batch is forbidden"
    );
}

#[test]
fn plan_lists_every_group_with_its_changes() {
    let op = start(fixture(), request());
    let plan = op.plan();
    let groups: Vec<(SyncPhase, i32, usize)> = plan
        .groups
        .iter()
        .map(|g| (g.phase, g.wave, g.items.len()))
        .collect();
    assert_eq!(
        groups,
        [
            (SyncPhase::PreSync, 0, 1),
            (SyncPhase::Sync, -1, 1),
            (SyncPhase::Sync, 0, 2),
            (SyncPhase::Sync, 1, 2),
            (SyncPhase::Sync, 2, 1),
            (SyncPhase::Sync, 3, 1),
            (SyncPhase::Sync, 4, 1),
            (SyncPhase::Sync, 5, 1),
            (SyncPhase::PostSync, 0, 1),
            (SyncPhase::SyncFail, 0, 1),
        ]
    );
    let summary = plan.summary();
    assert_eq!((summary.create, summary.hooks, summary.prune), (9, 3, 0));
}

#[test]
fn applies_of_one_kind_form_one_concurrent_batch() {
    let k = |kind: &str, name: &str| ResourceKey::new("", kind, "app", name);
    let apply = |kind: &str, name: &str| Effect::Apply {
        key: k(kind, name),
        object: Value::Null,
        method: plumb::engine::sync::ApplyMethod::Apply,
        dry_run: false,
        skip_if_kind_unknown: false,
        server_side: false,
        force: false,
        validate: true,
    };
    let effects = vec![
        Effect::RemoveHookFinalizer { key: k("Job", "a") },
        Effect::RemoveHookFinalizer { key: k("Job", "b") },
        apply("ConfigMap", "x"),
        apply("ConfigMap", "y"),
        apply("Service", "z"),
        Effect::Wait { seconds: 2 },
    ];
    let sizes: Vec<usize> = concurrent_batches(&effects)
        .iter()
        .map(|b| b.len())
        .collect();
    assert_eq!(sizes, [2, 2, 1, 1]);
}
