//! Prune ordering and prune options (T7–T10).

mod sync_support;

use plumb::engine::policy::SyncOptions;
use plumb::engine::sync::{OperationPhase, PlanAction, Resource, ResultCode, SyncOperation};
use sync_support::*;

fn pod(name: &str, wave: i32, extra: &[(&str, &str)]) -> serde_json::Value {
    let w = wave.to_string();
    let mut ann = vec![("argocd.argoproj.io/sync-wave", w.as_str())];
    ann.extend_from_slice(extra);
    object("v1", "Pod", "app", name, &ann)
}

fn waves_by_name(op: &SyncOperation) -> Vec<(String, i32)> {
    op.tasks
        .iter()
        .map(|t| (t.key.name.clone(), t.wave))
        .collect()
}

#[test]
fn t7_prune_waves_are_reversed() {
    let resources = (0..5)
        .map(|w| Resource::orphan(pod(&format!("p{w}"), w, &[])))
        .collect();
    let op = start(resources, request());
    assert_eq!(
        waves_by_name(&op),
        [
            ("p4".into(), 0),
            ("p3".into(), 1),
            ("p2".into(), 2),
            ("p1".into(), 3),
            ("p0".into(), 4)
        ]
    );
}

#[test]
fn t7_mixed_targets_and_prunes() {
    let resources = vec![
        Resource::desired(pod("t0", 0, &[])),
        Resource::desired(pod("t2", 2, &[])),
        Resource::orphan(pod("p1", 1, &[])),
        Resource::orphan(pod("p3", 3, &[])),
        Resource::orphan(pod("p4", 4, &[])),
    ];
    let op = start(resources, request());
    let mut waves = waves_by_name(&op);
    waves.sort();
    assert_eq!(
        waves,
        [
            ("p1".into(), 4),
            ("p3".into(), 3),
            ("p4".into(), 1),
            ("t0".into(), 0),
            ("t2".into(), 2)
        ]
    );
}

#[test]
fn t8_prune_last_moves_prunes_after_the_last_sync_wave() {
    let mut req = request();
    req.options = SyncOptions::parse(&["PruneLast=true".into()]);
    let resources = vec![
        Resource::desired(pod("create", 2, &[])),
        Resource::orphan(pod("old1", 1, &[])),
        Resource::orphan(pod("old7", 7, &[])),
    ];
    let op = start(resources, req);
    let mut waves = waves_by_name(&op);
    waves.sort();
    assert_eq!(
        waves,
        [("create".into(), 2), ("old1".into(), 8), ("old7".into(), 8)]
    );
}

#[test]
fn prune_last_on_the_live_object_only_moves_that_prune() {
    let resources = vec![
        Resource::desired(pod("create", 2, &[])),
        Resource::orphan(pod(
            "last",
            0,
            &[("argocd.argoproj.io/sync-options", "PruneLast=true")],
        )),
        Resource::orphan(pod("normal", 0, &[])),
    ];
    let op = start(resources, request());
    let mut waves = waves_by_name(&op);
    waves.sort();
    assert_eq!(
        waves,
        [
            ("create".into(), 2),
            ("last".into(), 3),
            ("normal".into(), 0)
        ]
    );
}

fn run_single_prune(live: serde_json::Value, prune: bool) -> (SyncOperation, Sim) {
    let mut req = request();
    req.prune = prune;
    let mut sim = Sim::new();
    sim.live
        .insert(plumb::model::ResourceKey::of(&live), live.clone());
    let mut op = start(vec![Resource::orphan(live)], req);
    sim.run(&mut op, 10);
    (op, sim)
}

#[test]
fn t9_prune_false_skips_the_prune() {
    let live = object(
        "v1",
        "ConfigMap",
        "app",
        "keep",
        &[("argocd.argoproj.io/sync-options", "Prune=false")],
    );
    let (op, sim) = run_single_prune(live, true);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(op.tasks[0].result, Some(ResultCode::PruneSkipped));
    assert_eq!(op.tasks[0].message, "ignored (no prune)");
    assert_eq!(sim.live.len(), 1, "the object stays");
}

#[test]
fn t9_prune_disabled_on_the_operation() {
    let live = object("v1", "ConfigMap", "app", "keep", &[]);
    let (op, sim) = run_single_prune(live, false);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(op.tasks[0].result, Some(ResultCode::PruneSkipped));
    assert_eq!(op.tasks[0].message, "ignored (requires pruning)");
    assert!(sim.log.is_empty());
}

#[test]
fn t10_prune_confirm_waits_for_approval() {
    let live = object(
        "v1",
        "Pod",
        "app",
        "my-pod",
        &[("argocd.argoproj.io/sync-options", "Prune=confirm")],
    );
    let mut sim = Sim::new();
    sim.live
        .insert(plumb::model::ResourceKey::of(&live), live.clone());
    let mut op = start(vec![Resource::orphan(live)], request());
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(
        op.message(),
        "waiting for pruning confirmation of /Pod/my-pod"
    );
    assert!(sim.log.is_empty(), "nothing deleted: {:?}", sim.log);

    // An approval older than the operation does not count.
    sim.deletion_approved_at = Some(ts(1_699_999_999));
    sim.run(&mut op, 3);
    assert_eq!(op.phase(), OperationPhase::Running);

    sim.deletion_approved_at = Some(ts(1_700_000_100));
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(op.tasks[0].result, Some(ResultCode::Pruned));
    assert_eq!(op.tasks[0].message, "pruned");
    assert_eq!(sim.log, ["delete Pod/my-pod"]);
}

#[test]
fn a_prune_being_deleted_holds_the_next_wave() {
    let mut sim = Sim::new();
    sim.slow_delete = true;
    let old = cm("old", 0);
    sim.live
        .insert(plumb::model::ResourceKey::of(&old), old.clone());
    let resources = vec![Resource::orphan(old), Resource::desired(cm("new", 1))];
    let mut op = start(resources, request());
    sim.run(&mut op, 6);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(op.message(), "waiting for deletion of /ConfigMap/old");
    assert!(!sim.log.contains(&"apply ConfigMap/new".to_owned()));
    sim.finish_deletions();
    sim.run(&mut op, 6);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(
        sim.log.last().map(String::as_str),
        Some("apply ConfigMap/new")
    );
}

#[test]
fn plan_shows_creates_updates_and_prune_decisions() {
    let same = cm("same", 0);
    let changed = cm("changed", 0);
    let resources = vec![
        Resource::desired(cm("new", 0)),
        Resource::existing(same.clone(), same, false),
        Resource::existing(changed.clone(), changed, true),
        Resource::orphan(cm("gone", 0)),
        Resource::orphan(object(
            "v1",
            "ConfigMap",
            "app",
            "kept",
            &[("argocd.argoproj.io/sync-options", "Prune=false")],
        )),
        Resource::orphan(object(
            "v1",
            "ConfigMap",
            "app",
            "ask",
            &[("argocd.argoproj.io/sync-options", "Prune=confirm")],
        )),
    ];
    let op = start(resources, request());
    let plan = op.plan();
    let actions: Vec<(String, PlanAction)> = plan
        .groups
        .iter()
        .flat_map(|g| g.items.iter())
        .map(|i| (i.key.name.clone(), i.action.clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("ask".into(), PlanAction::PruneNeedsConfirmation),
            ("changed".into(), PlanAction::Update),
            ("gone".into(), PlanAction::Prune),
            (
                "kept".into(),
                PlanAction::PruneSkipped("ignored (no prune)")
            ),
            ("new".into(), PlanAction::Create),
            ("same".into(), PlanAction::Unchanged),
        ]
    );
    assert_eq!(
        plan.summary().to_string(),
        "Op: 1 create, 2 delete, 1 update, 2 noop, 0 hooks"
    );
}
