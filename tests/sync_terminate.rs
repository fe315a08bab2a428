//! Termination and selective sync.

mod sync_support;

use plumb::engine::health::Health;
use plumb::engine::sync::{OperationPhase, Resource, RetryPolicy, TaskState, history_entry};
use sync_support::*;

#[test]
fn terminating_deletes_running_hooks_and_fails_the_operation() {
    let mut req = request();
    req.retry = Some(RetryPolicy::automated_default());
    let mut sim = Sim::new();
    let mut op = start(
        vec![
            Resource::desired(job_hook("migrate-", "PreSync", None)),
            Resource::desired(cm("c", 0)),
        ],
        req,
    );
    let hook = op.tasks[0].key.clone();
    sim.health
        .insert(hook.clone(), Health::progressing("running"));
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert!(sim.live.contains_key(&hook));

    op.terminate();
    assert_eq!(op.phase(), OperationPhase::Terminating);
    sim.run(&mut op, 5);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "Operation terminated",
        "no retry after termination"
    );
    assert!(!sim.live.contains_key(&hook));
    assert_eq!(op.tasks[0].state, TaskState::Succeeded);
    assert_eq!(op.tasks[0].message, "Deleted");
    let tail: Vec<&str> = sim
        .log
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            format!("unfinalize Job/{}", hook.name),
            format!("delete Job/{}", hook.name)
        ]
    );
    assert!(!sim.log.contains(&"apply ConfigMap/c".to_owned()));
}

#[test]
fn selective_sync_applies_only_the_selection_and_records_no_history() {
    let mut req = request();
    req.resources = Some(vec![key("", "ConfigMap", "app", "a")]);
    let mut sim = Sim::new();
    let mut op = start(
        vec![
            Resource::desired(job_hook("migrate-", "PreSync", None)),
            Resource::desired(cm("a", 0)),
            Resource::desired(cm("b", 0)),
        ],
        req,
    );
    sim.run(&mut op, 6);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(sim.log, ["dry-run ConfigMap/a", "apply ConfigMap/a"]);
    assert_eq!(history_entry(&op, 0, ts(1_700_000_010)), None);
}

#[test]
fn a_dry_run_operation_changes_nothing() {
    let mut req = request();
    req.dry_run = true;
    let mut sim = Sim::new();
    let old = cm("old", 0);
    sim.live
        .insert(plumb::model::ResourceKey::of(&old), old.clone());
    let mut op = start(
        vec![Resource::desired(cm("new", 0)), Resource::orphan(old)],
        req,
    );
    sim.run(&mut op, 8);
    assert_eq!(op.phase(), OperationPhase::Succeeded);
    assert_eq!(sim.live.len(), 1);
    assert!(
        sim.log.iter().all(|l| l.starts_with("dry-run")),
        "{:?}",
        sim.log
    );
    let pruned = op
        .tasks
        .iter()
        .find(|t| t.key.name == "old")
        .expect("prune task");
    assert_eq!(pruned.message, "pruned (dry run)");
    assert_eq!(history_entry(&op, 0, ts(1_700_000_010)), None);
}
