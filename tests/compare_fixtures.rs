//! The compare engine on YAML fixtures (tests/fixtures/compare): each file
//! holds an app, its desired and live objects, and the expected statuses,
//! conditions, orphans and tree.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use plumb::engine::compare::{AppComparison, CompareInput, compare_app};
use plumb::engine::diff::{IgnoreRules, SystemDiffSettings};
use plumb::engine::health::HealthConfig;
use plumb::engine::live::LiveIndex;
use plumb::engine::tracking::TrackingMethod;
use plumb::model::{AppProject, AppProjectSpec, Application};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    app: Value,
    #[serde(default)]
    project: Option<AppProjectSpec>,
    #[serde(default)]
    tracking: TrackingMethod,
    #[serde(default)]
    desired: Vec<Value>,
    #[serde(default)]
    desired_error: Option<String>,
    #[serde(default)]
    live: Vec<Value>,
    #[serde(default)]
    live_error: Option<String>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    sync: String,
    health: String,
    #[serde(default)]
    health_message: Option<String>,
    #[serde(default)]
    conditions: Vec<String>,
    /// Every resource, by `group/Kind namespace/name`.
    resources: BTreeMap<String, ExpectResource>,
    #[serde(default)]
    orphaned: Vec<String>,
    /// Node ids, indented two spaces per level.
    #[serde(default)]
    tree: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectResource {
    status: Option<String>,
    #[serde(default)]
    prune: bool,
    health: Option<String>,
    #[serde(default)]
    hook: bool,
    #[serde(default)]
    changed: Vec<String>,
    #[serde(default)]
    blame: Vec<String>,
}

fn load(name: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compare")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn scope(group: &str, kind: &str) -> Option<bool> {
    match (group, kind) {
        ("", "Namespace" | "PersistentVolume")
        | ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding")
        | ("apiextensions.k8s.io", "CustomResourceDefinition") => Some(false),
        (group, _) if group.ends_with("example.com") => None,
        _ => Some(true),
    }
}

fn run(fixture: &Fixture) -> AppComparison {
    let app: Application = serde_json::from_value(fixture.app.clone()).expect("app parses");
    let mut project = AppProject::default_project();
    if let Some(spec) = &fixture.project {
        project.spec = spec.clone();
    }
    let index = LiveIndex::new(fixture.live.iter().cloned().map(Arc::new).collect());
    let rules = IgnoreRules::new(&app.spec.ignore_differences, &SystemDiffSettings::default());
    let health = HealthConfig::default();
    let input = CompareInput {
        app: &app,
        project: &project,
        desired: match &fixture.desired_error {
            Some(error) => Err(error.clone()),
            None => Ok(&fixture.desired),
        },
        revisions: vec!["abc123".into()],
        scope: &scope,
        live: match &fixture.live_error {
            Some(error) => Err(error.clone()),
            None => Ok(&index),
        },
        ignore: &rules,
        health: &health,
        tracking: fixture.tracking,
        predicted_live: None,
    };
    compare_app(&input)
}

fn check(name: &str) -> AppComparison {
    let fixture = load(name);
    let got = run(&fixture);
    let expect = &fixture.expect;
    assert_eq!(got.sync.as_str(), expect.sync, "{name}: app sync");
    assert_eq!(
        got.health.status.as_str(),
        expect.health,
        "{name}: app health {:?}",
        got.health
    );
    if let Some(message) = &expect.health_message {
        assert_eq!(&got.health.message, message, "{name}: health message");
    }
    let conditions: Vec<String> = got
        .conditions
        .iter()
        .map(|c| format!("{:?}: {}", c.kind, c.message))
        .collect();
    assert_eq!(conditions, expect.conditions, "{name}: conditions");
    let keys: Vec<String> = got.resources.iter().map(|r| r.key.to_string()).collect();
    let expected_keys: Vec<String> = expect.resources.keys().cloned().collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(sorted_keys, expected_keys, "{name}: resources");
    for resource in &got.resources {
        let key = resource.key.to_string();
        let want = &expect.resources[&key];
        assert_eq!(
            resource.status.map(|s| s.as_str().to_owned()),
            want.status,
            "{name}: {key} status"
        );
        assert_eq!(resource.requires_pruning, want.prune, "{name}: {key} prune");
        assert_eq!(
            resource
                .health
                .as_ref()
                .map(|h| h.status.as_str().to_owned()),
            want.health,
            "{name}: {key} health"
        );
        assert_eq!(resource.hook, want.hook, "{name}: {key} hook");
        assert_eq!(
            resource.changed_paths, want.changed,
            "{name}: {key} changed"
        );
        let blame: Vec<&str> = resource.blame.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(blame, want.blame, "{name}: {key} blame");
    }
    let orphaned: Vec<String> = got.orphaned.iter().map(|k| k.to_string()).collect();
    assert_eq!(orphaned, expect.orphaned, "{name}: orphaned");
    if let Some(tree) = &expect.tree {
        let lines: Vec<String> = got
            .tree
            .iter()
            .flat_map(|root| root.walk())
            .map(|(depth, node)| format!("{}{}", "  ".repeat(depth), node.id))
            .collect();
        assert_eq!(&lines, tree, "{name}: tree");
    }
    got
}

#[test]
fn payments_scale_is_out_of_sync_on_replicas_blamed_on_kubectl() {
    let got = check("payments_scale");
    assert!(got.revisions == ["abc123"]);
}

#[test]
fn payments_hpa_rule_hides_the_scale() {
    check("payments_scale_ignored");
}

#[test]
fn t22_extraneous_with_ignore_extraneous_keeps_the_app_synced() {
    check("t22_ignore_extraneous");
}

#[test]
fn t22_extraneous_without_the_annotation_makes_the_app_out_of_sync() {
    check("t22_extraneous");
}

#[test]
fn t22_copied_tracking_gets_no_status_and_is_never_pruned() {
    check("t22_copied_tracking");
}

#[test]
fn t23_argo_annotation_tracking_for_an_app_outside_the_control_plane() {
    check("t23_argo_annotation");
}

#[test]
fn label_tracking_finds_live_objects_by_instance_label() {
    check("label_tracking");
}

#[test]
fn shared_resource_names_both_apps() {
    check("shared_resource");
}

#[test]
fn repeated_resource_last_occurrence_wins() {
    check("repeated_resource");
}

#[test]
fn orphaned_resources_when_the_project_asks() {
    check("orphaned");
}

#[test]
fn unreachable_cluster_makes_the_app_unknown() {
    check("cluster_unreachable");
}

#[test]
fn render_error_is_a_comparison_error_and_prunes_nothing() {
    check("render_error");
}

#[test]
fn hooks_not_run_are_not_listed_and_generated_names_are_not_repeated() {
    let got = check("hooks_not_run");
    let pending: Vec<String> = got
        .pending_hooks
        .iter()
        .map(|r| r.key.to_string())
        .collect();
    assert_eq!(
        pending,
        [
            "batch/Job orders/orders-smoke-test-1",
            "batch/Job orders/orders-sync-failed-2",
            "batch/Job orders/orders-db-migration",
        ],
        "every hook not live is kept for the next sync"
    );
}

#[test]
fn hooks_and_skip_get_no_status_and_no_health_weight() {
    check("hooks");
}

#[test]
fn a_kind_the_cluster_will_not_list_makes_its_resources_unknown_not_missing() {
    let mut got = check("missing");
    let unreadable: std::collections::HashMap<(String, String), String> = [(
        ("apps".to_owned(), "Deployment".to_owned()),
        "deployments.apps is forbidden".to_owned(),
    )]
    .into();
    plumb::engine::compare::mark_unreadable(&mut got, &unreadable);
    assert_eq!(got.sync.as_str(), "Unknown");
    let conditions: Vec<String> = got
        .conditions
        .iter()
        .map(|c| format!("{:?}: {}", c.kind, c.message))
        .collect();
    assert_eq!(
        conditions,
        [
            "ComparisonError: cannot list Deployment.apps in the destination cluster: deployments.apps is forbidden"
        ]
    );
    let status = |name: &str| {
        let r = got
            .resources
            .iter()
            .find(|r| r.key.name == name)
            .expect("listed");
        (
            r.status.map(|s| s.as_str().to_owned()),
            r.health.as_ref().map(|h| h.status.as_str().to_owned()),
        )
    };
    assert_eq!(status("web"), (Some("Unknown".into()), None));
    assert_eq!(
        status("settings"),
        (Some("OutOfSync".into()), Some("Missing".into())),
        "a readable kind stays Missing"
    );
    let web = got
        .tree
        .iter()
        .flat_map(|root| root.walk())
        .find(|(_, n)| n.key.name == "web")
        .map(|(_, n)| (n.status.map(|s| s.as_str().to_owned()), n.health.clone()))
        .expect("web in the tree");
    assert_eq!(web, (Some("Unknown".into()), None));
}

#[test]
fn missing_resources_make_the_app_missing() {
    check("missing");
}

#[test]
fn kinds_the_project_denies_are_unknown() {
    check("not_permitted");
}

#[test]
fn tree_follows_owner_references_and_service_endpoints() {
    check("tree");
}
