//! The gates of a manual sync and a rollback (engine::actions), on YAML
//! fixtures: AppProject sources, destinations and resource lists, sync
//! windows (manualSync included), and Argo CD's rollback rules.

use std::sync::Arc;

use jiff::Timestamp;
use plumb::engine::actions::{
    SyncRefused, permitted_resources, prepare_rollback, prepare_sync, rollback_entry,
    with_overrides,
};
use plumb::engine::compare::{AppComparison, CompareInput, compare_app};
use plumb::engine::diff::IgnoreRules;
use plumb::engine::health::HealthConfig;
use plumb::engine::live::LiveIndex;
use plumb::engine::snapshot::SyncCommand;
use plumb::engine::store::AutoSyncOverride;
use plumb::engine::sync::{
    HistoryEntry, InitiatedBy, OperationPhase, RollbackError, RollbackParams, Strategy,
};
use plumb::engine::tracking::TrackingMethod;
use plumb::model::{AppProject, Application, ApplicationSource, ResourceKey};
use serde_json::{Value, json};

const REPO: &str = "https://github.com/acme-corp/gitops-manifests";

fn app(extra_spec: &str) -> Application {
    let yaml = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: payments
spec:
  project: team
  source:
    repoURL: {REPO}
    targetRevision: main
    path: payments
  destination:
    server: https://kubernetes.default.svc
    namespace: payments
{extra_spec}"
    );
    serde_yaml::from_str(&yaml).expect("the app parses")
}

fn project(spec: &str) -> AppProject {
    let yaml = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team
spec:
{spec}"
    );
    serde_yaml::from_str(&yaml).expect("the project parses")
}

/// A project that permits the app's repo, destination and namespaced kinds.
const OPEN: &str = "  sourceRepos: ['https://github.com/acme-corp/*']
  destinations:
  - server: https://kubernetes.default.svc
    namespace: payments
";

fn desired() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "payments-config", "namespace": "payments"}, "data": {"mode": "live"}}),
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "payments-token", "namespace": "payments"}, "data": {}}),
    ]
}

fn scope(_: &str, kind: &str) -> Option<bool> {
    Some(kind != "Namespace")
}

/// The comparison of `objects` with an empty cluster, at revision `abc123`.
fn compare(app: &Application, project: &AppProject, objects: &[Value]) -> AppComparison {
    let live = LiveIndex::new(Vec::<Arc<Value>>::new());
    compare_app(&CompareInput {
        app,
        project,
        desired: Ok(objects),
        revisions: vec!["abc123".into()],
        scope: &scope,
        live: Ok(&live),
        ignore: &IgnoreRules::default(),
        health: &HealthConfig::default(),
        tracking: TrackingMethod::Plumb,
        predicted_live: None,
    })
}

fn now() -> Timestamp {
    "2026-03-10T22:30:00Z".parse().expect("timestamp")
}

fn manual() -> InitiatedBy {
    InitiatedBy {
        username: "ana@laptop".into(),
        automated: false,
    }
}

fn sync(app: &Application, project: &AppProject, command: &SyncCommand) -> Result<(), SyncRefused> {
    let comparison = compare(app, &AppProject::default_project(), &desired());
    prepare_sync(app, project, &comparison, command, manual(), now()).map(|_| ())
}

fn message(result: Result<(), SyncRefused>) -> String {
    result.expect_err("the sync is refused").to_string()
}

fn cluster_whitelist() -> String {
    format!("{OPEN}  clusterResourceWhitelist:\n  - group: ''\n    kind: Namespace\n")
}

#[test]
fn a_permitted_sync_passes_every_gate() {
    let app = app("");
    let comparison = compare(&app, &AppProject::default_project(), &desired());
    let op = prepare_sync(
        &app,
        &project(&cluster_whitelist()),
        &comparison,
        &SyncCommand::default(),
        manual(),
        now(),
    )
    .expect("permitted");
    assert_eq!(op.request.revision, "abc123");
    assert_eq!(op.plan().summary().invalid, 0);
}

#[test]
fn a_source_repo_outside_the_project_is_refused() {
    let project = project(
        "  sourceRepos: ['https://github.com/other-org/*']
  destinations:
  - {server: '*', namespace: '*'}
",
    );
    let text = message(sync(&app(""), &project, &SyncCommand::default()));
    assert_eq!(
        text,
        format!("cannot sync payments: application repo {REPO} is not permitted in project 'team'")
    );
}

#[test]
fn a_destination_outside_the_project_is_refused() {
    let project = project(
        "  sourceRepos: ['*']
  destinations:
  - server: https://kubernetes.default.svc
    namespace: 'team-*'
",
    );
    let text = message(sync(&app(""), &project, &SyncCommand::default()));
    assert!(
        text.contains("application destination server 'https://kubernetes.default.svc' and namespace 'payments' do not match any of the allowed destinations in project 'team'"),
        "{text}"
    );
}

#[test]
fn a_cluster_kind_without_a_whitelist_is_refused_naming_resource_and_rule() {
    let text = message(sync(&app(""), &project(OPEN), &SyncCommand::default()));
    assert_eq!(
        text,
        "cannot sync payments: /Namespace payments: resource :Namespace is not permitted in project team (the project has no clusterResourceWhitelist)"
    );
}

#[test]
fn a_blacklisted_namespaced_kind_is_refused_naming_the_entry() {
    let spec = format!(
        "{}  namespaceResourceBlacklist:\n  - group: ''\n    kind: Secret\n",
        cluster_whitelist()
    );
    let text = message(sync(&app(""), &project(&spec), &SyncCommand::default()));
    assert_eq!(
        text,
        "cannot sync payments: /Secret payments/payments-token: resource :Secret is not permitted in project team (namespaceResourceBlacklist entry {group: '', kind: Secret})"
    );
}

#[test]
fn a_kind_missing_from_a_namespace_whitelist_is_refused() {
    let spec = format!(
        "{}  namespaceResourceWhitelist:\n  - group: ''\n    kind: ConfigMap\n",
        cluster_whitelist()
    );
    let text = message(sync(&app(""), &project(&spec), &SyncCommand::default()));
    assert!(text.contains("/Secret payments/payments-token"), "{text}");
    assert!(
        text.ends_with("(not in namespaceResourceWhitelist)"),
        "{text}"
    );
}

#[test]
fn a_selective_sync_of_permitted_resources_passes() {
    let spec = format!("{OPEN}  namespaceResourceBlacklist:\n  - group: ''\n    kind: Secret\n");
    let command = SyncCommand {
        resources: vec![ResourceKey::new(
            "",
            "ConfigMap",
            "payments",
            "payments-config",
        )],
        ..SyncCommand::default()
    };
    sync(&app(""), &project(&spec), &command).expect("only the ConfigMap is touched");
}

#[test]
fn permitted_resources_carry_the_verdict_per_resource() {
    let app = app("");
    let spec = format!(
        "{}  namespaceResourceBlacklist:\n  - group: ''\n    kind: Secret\n",
        cluster_whitelist()
    );
    let comparison = compare(&app, &AppProject::default_project(), &desired());
    let resources = permitted_resources(&app, &project(&spec), &comparison);
    let refused: Vec<String> = resources
        .iter()
        .filter(|r| r.permitted.is_err())
        .map(|r| r.key.kind.clone())
        .collect();
    assert_eq!(refused, vec!["Secret"]);
    assert_eq!(resources.len(), 3);
}

fn windowed(window: &str) -> AppProject {
    project(&format!("{}  syncWindows:\n{window}", cluster_whitelist()))
}

const NIGHTLY_DENY: &str = "  - kind: deny
    schedule: '0 22 * * *'
    duration: 1h
    applications: ['pay*']
    description: nightly batch
";

#[test]
fn an_open_deny_window_refuses_a_manual_sync_and_says_until_when() {
    let text = message(sync(
        &app(""),
        &windowed(NIGHTLY_DENY),
        &SyncCommand::default(),
    ));
    assert_eq!(
        text,
        "cannot sync payments: blocked by sync window deny '0 22 * * *' for 1h (nightly batch) until 2026-03-10T23:00:00Z (the window does not allow manual syncs)"
    );
}

#[test]
fn a_deny_window_with_manual_sync_lets_a_manual_sync_through() {
    let window = format!("{NIGHTLY_DENY}    manualSync: true\n");
    sync(&app(""), &windowed(&window), &SyncCommand::default()).expect("manualSync");
}

#[test]
fn a_deny_window_that_is_closed_does_not_block() {
    let window = NIGHTLY_DENY.replace("0 22", "0 6");
    sync(&app(""), &windowed(&window), &SyncCommand::default()).expect("closed window");
}

#[test]
fn closed_allow_windows_refuse_and_say_when_the_next_opens() {
    let window = "  - kind: allow
    schedule: '0 8 * * 1-5'
    duration: 8h
    namespaces: ['payments']
";
    let text = message(sync(&app(""), &windowed(window), &SyncCommand::default()));
    assert_eq!(
        text,
        "cannot sync payments: blocked by sync window: no allow window is open; allow '0 8 * * 1-5' for 8h opens next at 2026-03-11T08:00:00Z"
    );
}

fn entry(id: i64, revision: &str, result: OperationPhase) -> HistoryEntry {
    HistoryEntry {
        id,
        revision: revision.into(),
        sources: vec![ApplicationSource {
            repo_url: REPO.into(),
            path: Some("payments".into()),
            target_revision: Some(revision.into()),
            ..ApplicationSource::default()
        }],
        deployed_at: now(),
        deploy_started_at: now(),
        initiated_by: manual(),
        result,
        message: String::new(),
        rollback_target: result == OperationPhase::Succeeded,
    }
}

fn history() -> Vec<HistoryEntry> {
    vec![
        entry(0, "aaa111", OperationPhase::Succeeded),
        entry(1, "bbb222", OperationPhase::Succeeded),
        entry(2, "ccc333", OperationPhase::Failed),
        entry(3, "ddd444", OperationPhase::Succeeded),
    ]
}

fn params(id: Option<i64>, disable_auto_sync: bool) -> RollbackParams {
    RollbackParams {
        id,
        disable_auto_sync,
        prune: false,
        dry_run: false,
        initiated_by: manual(),
        started_at: now(),
    }
}

const AUTOMATED: &str = "  syncPolicy:\n    automated: {selfHeal: true}\n";

#[test]
fn rollback_defaults_to_the_previous_succeeded_deployment() {
    let history = history();
    assert_eq!(
        rollback_entry("payments", &history, None)
            .expect("previous")
            .id,
        1
    );
    assert_eq!(
        rollback_entry("payments", &history, Some(0))
            .expect("by id")
            .revision,
        "aaa111"
    );
    let failed = rollback_entry("payments", &history, Some(2)).expect_err("not a target");
    assert_eq!(
        failed,
        SyncRefused::Rollback {
            app: "payments".into(),
            error: RollbackError::UnknownId {
                app: "payments".into(),
                id: 2
            }
        }
    );
    let only = vec![entry(0, "aaa111", OperationPhase::Succeeded)];
    let none = rollback_entry("payments", &only, None).expect_err("nothing before");
    assert!(
        none.to_string().contains("no previous deployment"),
        "{none}"
    );
}

#[test]
fn rollback_applies_the_entry_revision_without_hooks() {
    let app = app("");
    let comparison = compare(&app, &AppProject::default_project(), &desired());
    let op = prepare_rollback(
        &app,
        &project(&cluster_whitelist()),
        &history(),
        params(None, false),
        &comparison,
        now(),
    )
    .expect("rollback");
    assert_eq!(op.request.revision, "bbb222");
    assert_eq!(op.request.strategy, Strategy::Apply);
    assert!(op.plan().hooks_skipped);
    assert_eq!(
        op.request.sources[0].target_revision.as_deref(),
        Some("bbb222")
    );
}

#[test]
fn rollback_is_refused_while_auto_sync_is_on() {
    let app = app(AUTOMATED);
    let comparison = compare(&app, &AppProject::default_project(), &desired());
    let project = project(&cluster_whitelist());
    let refused = prepare_rollback(
        &app,
        &project,
        &history(),
        params(None, false),
        &comparison,
        now(),
    )
    .expect_err("auto-sync is on");
    assert_eq!(
        refused.to_string(),
        "cannot roll back payments: rollback cannot be initiated when auto-sync is enabled"
    );
    prepare_rollback(
        &app,
        &project,
        &history(),
        params(None, true),
        &comparison,
        now(),
    )
    .expect("allowed when the rollback turns auto-sync off");
}

#[test]
fn a_stored_auto_sync_pause_counts_as_off() {
    let app = app(AUTOMATED);
    let paused = with_overrides(
        &app,
        &AutoSyncOverride {
            auto_sync: Some(false),
            self_heal: None,
            paused_reason: Some("rollback to 1".into()),
        },
    );
    assert!(
        !paused
            .spec
            .sync_policy
            .as_ref()
            .expect("policy")
            .is_automated()
    );
    let comparison = compare(&paused, &AppProject::default_project(), &desired());
    prepare_rollback(
        &paused,
        &project(&cluster_whitelist()),
        &history(),
        params(Some(0), false),
        &comparison,
        now(),
    )
    .expect("paused auto-sync does not block");
}

#[test]
fn rollback_passes_the_project_and_window_gates_too() {
    let app = app("");
    let comparison = compare(&app, &AppProject::default_project(), &desired());
    let refused = prepare_rollback(
        &app,
        &project(OPEN),
        &history(),
        params(None, false),
        &comparison,
        now(),
    )
    .expect_err("Namespace not permitted");
    assert!(
        matches!(refused, SyncRefused::ResourceNotPermitted { .. }),
        "{refused}"
    );
    let refused = prepare_rollback(
        &app,
        &windowed(NIGHTLY_DENY),
        &history(),
        params(None, false),
        &comparison,
        now(),
    )
    .expect_err("deny window");
    assert!(
        matches!(refused, SyncRefused::DenyWindow { .. }),
        "{refused}"
    );
}
