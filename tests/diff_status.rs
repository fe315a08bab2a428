//! T22: per-resource sync status, prune eligibility and what counts for the
//! app, from target/live pairs and the diff verdict.

use plumb::engine::diff::status::{
    ResourceSyncStatus, ResourceVerdict, app_out_of_sync, is_self_referenced, parse_tracking_id,
    resource_verdict,
};
use plumb::engine::diff::{IgnoreRules, diff};
use serde_json::{Value, json};

const TRACKING: &str = "argocd.argoproj.io/tracking-id";

fn config_map(name: &str, annotations: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations}})
}

fn verdict(target: Option<&Value>, live: Option<&Value>) -> ResourceVerdict {
    let modified = diff(target, live, &IgnoreRules::default())
        .expect("diff")
        .modified;
    resource_verdict(target, live, modified, TRACKING)
}

#[test]
fn live_only_with_ignore_extraneous_needs_pruning_but_keeps_the_app_synced() {
    let live = config_map(
        "extra",
        json!({TRACKING: "guestbook:/ConfigMap:default/extra",
               "argocd.argoproj.io/compare-options": "IgnoreExtraneous"}),
    );
    let v = verdict(None, Some(&live));
    assert_eq!(v.status, Some(ResourceSyncStatus::OutOfSync));
    assert!(v.requires_pruning);
    assert!(!app_out_of_sync(&[v]));
}

#[test]
fn live_only_without_the_annotation_makes_the_app_out_of_sync() {
    let live = config_map(
        "extra",
        json!({TRACKING: "guestbook:/ConfigMap:default/extra"}),
    );
    let v = verdict(None, Some(&live));
    assert_eq!(v.status, Some(ResourceSyncStatus::OutOfSync));
    assert!(v.requires_pruning);
    assert!(app_out_of_sync(&[v]));
}

#[test]
fn a_copied_tracking_id_gets_no_status_and_is_never_pruned() {
    let copy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web-copy", "namespace": "default",
            "annotations": {TRACKING: "guestbook:apps/Deployment:default/web"}}});
    assert!(!is_self_referenced(&copy, TRACKING));
    let v = verdict(None, Some(&copy));
    assert_eq!(v.status, None);
    assert!(!v.requires_pruning);
    assert!(!app_out_of_sync(&[v]));
}

#[test]
fn synced_and_missing_objects() {
    let desired = config_map("cfg", json!({}));
    let synced = verdict(Some(&desired), Some(&desired));
    assert_eq!(synced.status, Some(ResourceSyncStatus::Synced));
    let missing = verdict(Some(&desired), None);
    assert_eq!(missing.status, Some(ResourceSyncStatus::OutOfSync));
    assert!(!missing.requires_pruning);
    assert!(!app_out_of_sync(&[synced]));
    assert!(app_out_of_sync(&[synced, missing]));
}

#[test]
fn tracking_ids_parse_strictly() {
    let id = parse_tracking_id("guestbook:apps/Deployment:default/web").expect("valid");
    assert_eq!(
        (id.app, id.group, id.kind, id.namespace, id.name),
        ("guestbook", "apps", "Deployment", "default", "web")
    );
    let core = parse_tracking_id("guestbook:/Service:default/web").expect("core group");
    assert_eq!(core.group, "");
    assert!(parse_tracking_id("guestbook:Deployment:default/web").is_none());
    assert!(parse_tracking_id("guestbook:apps/Deployment:web").is_none());
    assert!(parse_tracking_id("guestbook").is_none());
}

#[test]
fn cluster_scoped_objects_match_any_tracking_namespace() {
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "reader",
            "annotations": {TRACKING: "guestbook:rbac.authorization.k8s.io/ClusterRole:prod/reader"}}});
    assert!(is_self_referenced(&role, TRACKING));
}
