//! The compare engine's options: server-side predicted objects, tracking
//! stamps on what is compared.

use std::collections::HashMap;
use std::sync::Arc;

use plumb::engine::compare::{CompareInput, ConditionType, SyncStatus, compare_app};
use plumb::engine::diff::IgnoreRules;
use plumb::engine::health::HealthConfig;
use plumb::engine::live::LiveIndex;
use plumb::engine::tracking::TrackingMethod;
use plumb::model::{AppProject, Application, ResourceKey};
use serde_json::{Value, json};

fn app() -> Application {
    serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web"},
        "spec": {"project": "default", "destination": {"namespace": "shop"}}
    }))
    .expect("the app parses")
}

fn namespaced(_: &str, _: &str) -> Option<bool> {
    Some(true)
}

fn live_cm(tier: Option<&str>) -> Value {
    let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop", "uid": "u",
            "annotations": {"plumb.dev/tracking-id": "web:/ConfigMap:shop/c"}},
        "data": {"k": "v"}});
    if let Some(tier) = tier {
        cm["metadata"]["labels"] = json!({"tier": tier});
    }
    cm
}

#[test]
fn server_side_predictions_replace_the_local_merge() {
    let app = app();
    let project = AppProject::default_project();
    let desired = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c"}, "data": {"k": "v"}})];
    let index = LiveIndex::new(vec![Arc::new(live_cm(None))]);
    let rules = IgnoreRules::default();
    let health = HealthConfig::default();
    let key = ResourceKey::new("", "ConfigMap", "shop", "c");
    // A mutating webhook would add a label on apply: the dry run shows it.
    let predicted = HashMap::from([(key.clone(), live_cm(Some("gold")))]);
    let mut input = CompareInput {
        app: &app,
        project: &project,
        desired: Ok(&desired),
        revisions: Vec::new(),
        scope: &namespaced,
        live: Ok(&index),
        ignore: &rules,
        health: &health,
        tracking: TrackingMethod::Plumb,
        predicted_live: None,
    };
    let local = compare_app(&input);
    assert_eq!(local.sync, SyncStatus::Synced);
    input.predicted_live = Some(&predicted);
    let server = compare_app(&input);
    assert_eq!(server.sync, SyncStatus::OutOfSync);
    let resource = server.resource(&key).unwrap();
    assert_eq!(resource.changed_paths, vec!["metadata.labels"]);
}

#[test]
fn the_compared_desired_object_carries_the_tracking_id() {
    let app = app();
    let project = AppProject::default_project();
    let desired = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c"}, "data": {"k": "v"}})];
    let index = LiveIndex::new(Vec::new());
    let rules = IgnoreRules::default();
    let health = HealthConfig::default();
    let input = CompareInput {
        app: &app,
        project: &project,
        desired: Ok(&desired),
        revisions: Vec::new(),
        scope: &namespaced,
        live: Ok(&index),
        ignore: &rules,
        health: &health,
        tracking: TrackingMethod::ArgoAnnotationAndLabel,
        predicted_live: None,
    };
    let got = compare_app(&input);
    let stamped = got.resources[0].desired.as_ref().unwrap();
    assert_eq!(
        stamped["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"],
        "web:/ConfigMap:shop/c"
    );
    assert_eq!(
        stamped["metadata"]["labels"]["app.kubernetes.io/instance"],
        "web"
    );
    assert_eq!(stamped["metadata"]["namespace"], "shop");
}

#[test]
fn a_source_the_project_does_not_permit_is_an_invalid_spec_and_sync_is_unknown() {
    let app: Application = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web"},
        "spec": {"project": "shop",
            "source": {"repoURL": "https://github.com/evil/x", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}}
    }))
    .expect("the app parses");
    let project: AppProject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
        "metadata": {"name": "shop"},
        "spec": {"sourceRepos": ["!https://github.com/evil/*", "*"],
            "destinations": [{"server": "*", "namespace": "*"}]}
    }))
    .expect("the project parses");
    let desired = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c"}, "data": {"k": "v"}})];
    let index = LiveIndex::new(vec![Arc::new(live_cm(None))]);
    let rules = IgnoreRules::default();
    let health = HealthConfig::default();
    let input = CompareInput {
        app: &app,
        project: &project,
        desired: Ok(&desired),
        revisions: Vec::new(),
        scope: &namespaced,
        live: Ok(&index),
        ignore: &rules,
        health: &health,
        tracking: TrackingMethod::Plumb,
        predicted_live: None,
    };
    let got = compare_app(&input);
    assert_eq!(got.sync, SyncStatus::Unknown);
    let conditions: Vec<(ConditionType, &str)> = got
        .conditions
        .iter()
        .map(|c| (c.kind, c.message.as_str()))
        .collect();
    assert_eq!(
        conditions,
        vec![(
            ConditionType::InvalidSpecError,
            "application repo https://github.com/evil/x is not permitted in project 'shop'"
        )]
    );
}
