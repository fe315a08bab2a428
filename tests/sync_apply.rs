//! How tasks become effects: apply methods and flags, hook recreation.

mod sync_support;

use plumb::engine::health::Health;
use plumb::engine::policy::SyncOptions;
use plumb::engine::sync::{ApplyMethod, DeleteReason, Effect, OperationPhase, Resource};
use plumb::model::ResourceKey;
use serde_json::json;
use sync_support::*;

/// The real (non-dry-run) apply effects of the first group, with everything live already.
fn first_applies(resources: Vec<Resource>, options: &[&str], sim: &mut Sim) -> Vec<Effect> {
    let mut req = request();
    req.options = SyncOptions::parse(&options.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let mut op = start(resources, req);
    let dry_run = sim.step(&mut op);
    assert!(dry_run.iter().all(|e| matches!(
        e,
        Effect::Apply {
            dry_run: true,
            server_side: false,
            ..
        }
    )));
    sim.step(&mut op)
}

#[test]
fn replace_uses_replace_update_or_create() {
    let mut sim = Sim::new();
    let replaced = object(
        "v1",
        "ConfigMap",
        "app",
        "r",
        &[("argocd.argoproj.io/sync-options", "Replace=true")],
    );
    let ns = object("v1", "Namespace", "", "team", &[]);
    sim.live
        .insert(ResourceKey::of(&replaced), replaced.clone());
    sim.live.insert(ResourceKey::of(&ns), ns.clone());
    let resources = vec![
        Resource::existing(replaced.clone(), replaced, true),
        Resource::existing(ns.clone(), ns, true),
        Resource::desired(cm("fresh", 0)),
    ];
    let effects = first_applies(resources, &["Replace=true"], &mut sim);
    let methods: Vec<(String, ApplyMethod)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Apply { key, method, .. } => Some((key.name.clone(), *method)),
            _ => None,
        })
        .collect();
    assert_eq!(
        methods,
        [
            ("team".into(), ApplyMethod::Update),
            ("fresh".into(), ApplyMethod::Create),
            ("r".into(), ApplyMethod::Replace)
        ]
    );
}

#[test]
fn server_side_force_and_validate_flags() {
    let mut sim = Sim::new();
    let csa = object(
        "v1",
        "ConfigMap",
        "app",
        "csa",
        &[(
            "argocd.argoproj.io/sync-options",
            "ServerSideApply=false,Force=true,Validate=false",
        )],
    );
    let resources = vec![Resource::desired(csa), Resource::desired(cm("ssa", 0))];
    let effects = first_applies(resources, &["ServerSideApply=true"], &mut sim);
    let flags: Vec<(String, bool, bool, bool)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Apply {
                key,
                server_side,
                force,
                validate,
                ..
            } => Some((key.name.clone(), *server_side, *force, *validate)),
            _ => None,
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("csa".into(), false, true, false),
            ("ssa".into(), true, false, true)
        ]
    );
}

#[test]
fn prunes_use_the_configured_propagation() {
    let mut sim = Sim::new();
    let old = cm("old", 0);
    sim.live.insert(ResourceKey::of(&old), old.clone());
    let mut req = request();
    req.options = SyncOptions::parse(&["PrunePropagationPolicy=orphan".into()]);
    let mut op = start(vec![Resource::orphan(old)], req);
    let effects = sim.step(&mut op);
    assert_eq!(
        effects,
        [Effect::Delete {
            key: key("", "ConfigMap", "app", "old"),
            propagation: plumb::engine::policy::Propagation::Orphan,
            reason: DeleteReason::Prune
        }]
    );
}

#[test]
fn a_named_hook_is_deleted_before_it_is_recreated() {
    let mut hook = object(
        "batch/v1",
        "Job",
        "app",
        "migrate",
        &[("argocd.argoproj.io/hook", "PreSync")],
    );
    hook["spec"] = json!({"template": {}});
    let hook_key = ResourceKey::of(&hook);
    let mut old = hook.clone();
    old["metadata"]["finalizers"] = json!(["argocd.argoproj.io/hook-finalizer"]);
    let mut sim = Sim::new();
    sim.slow_delete = true;
    sim.live.insert(hook_key.clone(), old);
    sim.health.insert(hook_key.clone(), Health::healthy());
    let mut op = start(
        vec![Resource::desired(hook), Resource::desired(cm("c", 0))],
        request(),
    );
    assert_eq!(op.task_keys().len(), 2);
    sim.run(&mut op, 6);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(
        op.message(),
        "waiting for deletion of hook batch/Job/migrate"
    );
    assert_eq!(
        sim.log,
        [
            "dry-run Job/migrate",
            "dry-run ConfigMap/c",
            "unfinalize Job/migrate",
            "delete Job/migrate"
        ]
    );
    sim.finish_deletions();
    sim.run(&mut op, 10);
    assert_eq!(op.phase(), OperationPhase::Succeeded, "{}", op.message());
    assert!(sim.log.contains(&"apply Job/migrate".to_owned()));
    let applied = sim.live.get(&hook_key).expect("recreated");
    assert!(applied.pointer("/metadata/deletionTimestamp").is_none());
}
