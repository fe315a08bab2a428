//! Task ordering: kind ranks, names, dependency moves and wave parsing (T1–T4).

mod sync_support;

use plumb::engine::sync::{Resource, SyncPhase, kind_rank, wave_of};
use serde_json::json;
use sync_support::*;

fn order(op: &plumb::engine::sync::SyncOperation) -> Vec<String> {
    op.tasks
        .iter()
        .map(|t| format!("{}/{}", t.key.kind, t.key.name))
        .collect()
}

fn crd_widgets() -> serde_json::Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.ex.io"},
        "spec": {"group": "ex.io", "names": {"kind": "Widget", "plural": "widgets"}}
    })
}

#[test]
fn t1_kind_order_within_one_wave() {
    let objects = vec![
        object("apps/v1", "Deployment", "app", "a", &[]),
        object("v1", "Service", "app", "b", &[]),
        object("v1", "ConfigMap", "app", "c", &[]),
        object("v1", "Namespace", "", "app", &[]),
        crd_widgets(),
        object("ex.io/v1", "Widget", "app", "w", &[]),
        object("rbac.authorization.k8s.io/v1", "Role", "app", "r", &[]),
    ];
    let op = start(
        objects.into_iter().map(Resource::desired).collect(),
        request(),
    );
    assert_eq!(
        order(&op),
        [
            "Namespace/app",
            "ConfigMap/c",
            "CustomResourceDefinition/widgets.ex.io",
            "Role/r",
            "Service/b",
            "Deployment/a",
            "Widget/w"
        ]
    );
}

#[test]
fn t2_unknown_kinds_are_ordered_by_name_only() {
    let objects = vec![
        object("ex.io/v1", "Zeta", "app", "a", &[]),
        object("ex.io/v1", "Alpha", "app", "b", &[]),
        object("apps/v1", "Deployment", "app", "z", &[]),
    ];
    let op = start(
        objects.into_iter().map(Resource::desired).collect(),
        request(),
    );
    assert_eq!(order(&op), ["Deployment/z", "Zeta/a", "Alpha/b"]);
    assert_eq!(kind_rank("Zeta"), 0);
    assert_eq!(kind_rank("Namespace"), -35);
    assert_eq!(kind_rank("APIService"), -1);
}

#[test]
fn t3_namespace_is_pulled_forward_to_its_first_user() {
    let objects = vec![
        object("v1", "Namespace", "", "app", &[]),
        object(
            "v1",
            "ConfigMap",
            "app",
            "cfg",
            &[("argocd.argoproj.io/sync-wave", "-5")],
        ),
        object("v1", "Service", "app", "svc", &[]),
    ];
    let op = start(
        objects.into_iter().map(Resource::desired).collect(),
        request(),
    );
    assert_eq!(
        order(&op),
        ["Namespace/app", "ConfigMap/cfg", "Service/svc"]
    );
    assert_eq!(op.tasks[0].wave, -5);
    assert_eq!(op.tasks[0].phase, SyncPhase::Sync);
}

#[test]
fn t3_variant_presync_hook_pulls_the_namespace_into_presync() {
    let mut hook = object(
        "batch/v1",
        "Job",
        "app",
        "migrate",
        &[
            ("argocd.argoproj.io/hook", "PreSync"),
            ("argocd.argoproj.io/sync-wave", "3"),
        ],
    );
    hook["spec"] = json!({});
    let objects = vec![object("v1", "Namespace", "", "app", &[]), hook];
    let op = start(
        objects.into_iter().map(Resource::desired).collect(),
        request(),
    );
    assert_eq!(order(&op), ["Namespace/app", "Job/migrate"]);
    assert_eq!(op.tasks[0].phase, SyncPhase::PreSync);
    assert_eq!(op.tasks[0].wave, 3);
}

#[test]
fn a_crd_is_moved_before_its_first_custom_resource() {
    let objects = vec![
        object(
            "ex.io/v1",
            "Widget",
            "app",
            "w",
            &[("argocd.argoproj.io/sync-wave", "-1")],
        ),
        crd_widgets(),
    ];
    let op = start(
        objects.into_iter().map(Resource::desired).collect(),
        request(),
    );
    assert_eq!(
        order(&op),
        ["CustomResourceDefinition/widgets.ex.io", "Widget/w"]
    );
    assert_eq!(op.tasks[0].wave, -1);
}

#[test]
fn t4_wave_parsing() {
    let with = |wave: Option<&str>, weight: Option<&str>| {
        let mut ann = Vec::new();
        if let Some(w) = wave {
            ann.push(("argocd.argoproj.io/sync-wave", w));
        }
        if let Some(w) = weight {
            ann.push(("helm.sh/hook-weight", w));
        }
        wave_of(&object("v1", "ConfigMap", "app", "c", &ann))
    };
    assert_eq!(with(Some("abc"), Some("3")), 3);
    assert_eq!(with(None, None), 0);
    assert_eq!(with(Some("-2"), Some("7")), -2);
}
