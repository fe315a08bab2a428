//! Synthetic snapshots for the TUI tests: the seeds' payments incident
//! (replicas drifted by kubectl, with blame), orders with hooks and a
//! running operation, and a Degraded, frozen inventory.

// Test-only helpers: a bad fixture should fail the test loudly.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use jiff::Timestamp;
use plumb::engine::compare::{AppComparison, BlameLine, ResourceResult, SyncStatus};
use plumb::engine::diff::ResourceDiff;
use plumb::engine::health::{Health, HealthStatus};
use plumb::engine::runtime::sync_resources;
use plumb::engine::snapshot::{
    AppView, ClusterView, Freeze, OperationView, Snapshot, TimelineEntry, TimelineSource,
};
use plumb::engine::sync::{
    HistoryEntry, InitiatedBy, OperationPhase, SyncOperation, SyncRequest, TaskState,
};
use plumb::engine::tree::{TreeNode, node_id};
use plumb::model::{Application, ResourceKey};
use plumb::source::git::CommitInfo;
use plumb::tui::app::App;
use plumb::tui::keymap::Keymap;
use plumb::tui::theme::Theme;
use serde_json::{Value, json};

pub const SHA_NEW: &str = "9f2c1e4b7a0d3c5e8f1a2b4c6d8e0f1a3b5c7d9e";
pub const SHA_OLD: &str = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

pub fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_763_000_000 + second).unwrap()
}

fn application(name: &str, project: &str, namespace: &str, auto: bool) -> Arc<Application> {
    let automated = if auto {
        json!({"automated": {"selfHeal": true, "prune": true}})
    } else {
        json!({})
    };
    Arc::new(
        serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {
                "project": project,
                "source": {"repoURL": "https://git.example/demo.git", "path": name, "targetRevision": "main"},
                "destination": {"name": if namespace == "payments" { "prod-eu" } else { "in-cluster" }, "namespace": namespace},
                "syncPolicy": automated,
            }
        }))
        .unwrap(),
    )
}

fn key(group: &str, kind: &str, ns: &str, name: &str) -> ResourceKey {
    ResourceKey::new(group, kind, ns, name)
}

fn resource(k: ResourceKey, status: SyncStatus, health: Option<Health>) -> ResourceResult {
    ResourceResult {
        key: k,
        version: "v1".into(),
        status: Some(status),
        requires_pruning: false,
        health,
        hook: false,
        changed_paths: Vec::new(),
        blame: Vec::new(),
        message: String::new(),
        diff: None,
        desired: None,
        live: None,
        counts_for_app: true,
    }
}

fn node(
    k: &ResourceKey,
    status: Option<SyncStatus>,
    health: Option<Health>,
    children: Vec<TreeNode>,
) -> TreeNode {
    TreeNode {
        id: node_id(k),
        key: k.clone(),
        status,
        health,
        children,
    }
}

fn deployment(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "api", "image": "payments:1.4.2"}]}}}
    })
}

fn secret(password: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "payments-db", "namespace": "payments"},
        "data": {"password": password}
    })
}

fn history(id: i64, revision: &str, result: OperationPhase, by: &str) -> HistoryEntry {
    HistoryEntry {
        id,
        revision: revision.into(),
        sources: Vec::new(),
        deployed_at: at(id * 3600 + 42),
        deploy_started_at: at(id * 3600),
        initiated_by: InitiatedBy {
            username: by.into(),
            automated: by == "automated",
        },
        result,
        message: String::new(),
        rollback_target: result == OperationPhase::Succeeded,
    }
}

fn commits() -> Vec<CommitInfo> {
    vec![
        CommitInfo {
            sha: SHA_NEW.into(),
            author_name: "Dana Ops".into(),
            author_email: "dana@example.com".into(),
            date: at(7000),
            subject: "payments: raise memory limit".into(),
        },
        CommitInfo {
            sha: SHA_OLD.into(),
            author_name: "Sam Dev".into(),
            author_email: "sam@example.com".into(),
            date: at(3000),
            subject: "payments: first release".into(),
        },
    ]
}

fn base(name: &str, app: Arc<Application>, cluster: &str) -> AppView {
    AppView {
        name: name.into(),
        app,
        file: format!("apps/{name}.yaml"),
        parent: Some("platform".into()),
        appset: None,
        cluster: cluster.into(),
        comparison: None,
        operation: None,
        operation_here: false,
        last_operation: None,
        history: Vec::new(),
        commits: Vec::new(),
        auto_sync: false,
        self_heal: false,
        freeze: None,
        auto_sync_paused: None,
        timeline: Vec::new(),
        compared_at: None,
        preview: None,
    }
}

pub fn payments() -> AppView {
    let deploy = key("apps", "Deployment", "payments", "payments-api");
    let rs = key("apps", "ReplicaSet", "payments", "payments-api-7d9f");
    let pod = key("", "Pod", "payments", "payments-api-7d9f-x2k4p");
    let svc = key("", "Service", "payments", "payments-api");
    let sec = key("", "Secret", "payments", "payments-db");
    let mut d = resource(
        deploy.clone(),
        SyncStatus::OutOfSync,
        Some(Health::healthy()),
    );
    d.changed_paths = vec!["spec.replicas".into()];
    d.blame = vec![BlameLine {
        path: "spec.replicas".into(),
        desired: Some(json!(3)),
        live: Some(json!(5)),
        manager: Some("kubectl".into()),
        operation: Some("Update".into()),
        subresource: Some("scale".into()),
        time: Some("2025-11-13T14:02:11Z".into()),
        text: "spec.replicas 3 → 5, by kubectl (scale) at 14:02:11".into(),
    }];
    d.diff = Some(ResourceDiff {
        modified: true,
        normalized_desired: Some(deployment(3)),
        normalized_live: Some(deployment(5)),
        predicted_live: Some(deployment(3)),
        ..Default::default()
    });
    d.desired = Some(deployment(3));
    d.live = Some(Arc::new(deployment(5)));
    let mut s = resource(sec.clone(), SyncStatus::OutOfSync, None);
    s.diff = Some(ResourceDiff {
        modified: true,
        normalized_desired: Some(secret("bmV3LXNlY3JldA==")),
        normalized_live: Some(secret("b2xkLXNlY3JldA==")),
        predicted_live: Some(secret("bmV3LXNlY3JldA==")),
        ..Default::default()
    });
    let comparison = AppComparison {
        app: "payments".into(),
        sync: SyncStatus::OutOfSync,
        health: Health::healthy(),
        revisions: vec![SHA_NEW.into()],
        conditions: Vec::new(),
        resources: vec![
            d,
            resource(svc.clone(), SyncStatus::Synced, Some(Health::healthy())),
            s,
        ],
        orphaned: Vec::new(),
        namespace_live: true,
        pending_hooks: Vec::new(),
        tree: vec![
            node(
                &deploy,
                Some(SyncStatus::OutOfSync),
                Some(Health::healthy()),
                vec![node(
                    &rs,
                    None,
                    Some(Health::healthy()),
                    vec![node(&pod, None, Some(Health::healthy()), vec![])],
                )],
            ),
            node(&sec, Some(SyncStatus::OutOfSync), None, vec![]),
            node(
                &svc,
                Some(SyncStatus::Synced),
                Some(Health::healthy()),
                vec![],
            ),
        ],
    };
    let mut view = base(
        "payments",
        application("payments", "payments", "payments", false),
        "prod-eu",
    );
    view.comparison = Some(Arc::new(comparison));
    view.history = vec![
        history(1, SHA_OLD, OperationPhase::Succeeded, "dana@laptop"),
        history(2, SHA_NEW, OperationPhase::Succeeded, "automated"),
    ];
    view.commits = commits();
    view.timeline = vec![
        TimelineEntry {
            at: at(7200),
            source: TimelineSource::Plumb,
            object: None,
            kind: "Normal".into(),
            reason: "OperationCompleted".into(),
            message: "Sync to 9f2c1e4 succeeded".into(),
        },
        TimelineEntry {
            at: at(7331),
            source: TimelineSource::Kubernetes,
            object: Some(deploy),
            kind: "Normal".into(),
            reason: "ScalingReplicaSet".into(),
            message: "Scaled up replica set payments-api-7d9f to 5".into(),
        },
    ];
    view
}

fn object(api: &str, kind: &str, name: &str, annotations: Value) -> Value {
    json!({
        "apiVersion": api, "kind": kind,
        "metadata": {"name": name, "namespace": "orders", "annotations": annotations},
    })
}

/// orders: a PreSync hook, a ConfigMap to create in wave 0, the Deployment
/// to update in wave 1, and a live-only ConfigMap to prune.
pub fn orders() -> AppView {
    let job = key("batch", "Job", "orders", "db-migrate");
    let deploy = key("apps", "Deployment", "orders", "orders");
    let config = key("", "ConfigMap", "orders", "orders-config");
    let stale = key("", "ConfigMap", "orders", "orders-legacy");
    let mut hook = resource(
        job.clone(),
        SyncStatus::Synced,
        Some(Health::new(HealthStatus::Progressing, "running")),
    );
    hook.hook = true;
    hook.status = None;
    hook.desired = Some(object(
        "batch/v1",
        "Job",
        "db-migrate",
        json!({"argocd.argoproj.io/hook": "PreSync"}),
    ));
    let mut d = resource(
        deploy.clone(),
        SyncStatus::OutOfSync,
        Some(Health::healthy()),
    );
    let wave1 = json!({"argocd.argoproj.io/sync-wave": "1"});
    d.desired = Some(object("apps/v1", "Deployment", "orders", wave1.clone()));
    d.live = Some(Arc::new(object("apps/v1", "Deployment", "orders", wave1)));
    let mut c = resource(config.clone(), SyncStatus::OutOfSync, None);
    c.desired = Some(object("v1", "ConfigMap", "orders-config", json!({})));
    let mut p = resource(stale.clone(), SyncStatus::OutOfSync, None);
    p.requires_pruning = true;
    p.live = Some(Arc::new(object(
        "v1",
        "ConfigMap",
        "orders-legacy",
        json!({}),
    )));
    let comparison = AppComparison {
        app: "orders".into(),
        sync: SyncStatus::OutOfSync,
        health: Health::progressing("Job db-migrate is running"),
        revisions: vec![SHA_NEW.into()],
        conditions: Vec::new(),
        resources: vec![hook, c, d, p],
        orphaned: Vec::new(),
        namespace_live: true,
        pending_hooks: Vec::new(),
        tree: vec![
            node(
                &job,
                None,
                Some(Health::new(HealthStatus::Progressing, "running")),
                vec![],
            ),
            node(&config, Some(SyncStatus::OutOfSync), None, vec![]),
            node(
                &deploy,
                Some(SyncStatus::OutOfSync),
                Some(Health::healthy()),
                vec![],
            ),
            node(&stale, Some(SyncStatus::OutOfSync), None, vec![]),
        ],
    };
    let mut request = SyncRequest::new(SHA_NEW, at(0));
    request.prune = true;
    let mut operation = SyncOperation::start(
        "orders",
        "orders",
        request,
        sync_resources(&comparison),
        false,
    );
    // The PreSync hook runs; nothing else has started.
    operation.tasks[0].state = TaskState::Running;
    let plan = operation.plan();
    let operation = OperationView {
        operation,
        plan,
        holder: "dana@laptop".into(),
        phase: OperationPhase::Running,
        message: "waiting for PreSync hook db-migrate".into(),
    };
    let mut view = base(
        "orders",
        application("orders", "shop", "orders", true),
        "in-cluster",
    );
    view.comparison = Some(Arc::new(comparison));
    view.operation = Some(Arc::new(operation));
    view.auto_sync = true;
    view.self_heal = true;
    view
}

pub fn inventory() -> AppView {
    let deploy = key("apps", "Deployment", "inventory", "inventory");
    let degraded = Health::degraded("Deployment has 0 of 2 available replicas: ImagePullBackOff");
    let comparison = AppComparison {
        app: "inventory".into(),
        sync: SyncStatus::Synced,
        health: degraded.clone(),
        revisions: vec![SHA_OLD.into()],
        conditions: Vec::new(),
        resources: vec![resource(
            deploy.clone(),
            SyncStatus::Synced,
            Some(degraded.clone()),
        )],
        orphaned: Vec::new(),
        namespace_live: true,
        pending_hooks: Vec::new(),
        tree: vec![node(
            &deploy,
            Some(SyncStatus::Synced),
            Some(degraded),
            vec![],
        )],
    };
    let mut view = base(
        "inventory",
        application("inventory", "shop", "inventory", false),
        "in-cluster",
    );
    view.comparison = Some(Arc::new(comparison));
    view.history = vec![history(1, SHA_OLD, OperationPhase::Failed, "sam@ci")];
    view.parent = None;
    view.appset = Some("shops (list)".into());
    view.freeze = Some(Freeze {
        reason: "incident INC-42".into(),
        by: "dana".into(),
        since: at(100),
    });
    view
}

pub fn incident() -> Arc<Snapshot> {
    let mut platform = base(
        "platform",
        application("platform", "default", "argocd", true),
        "in-cluster",
    );
    platform.parent = None;
    platform.auto_sync = true;
    Arc::new(Snapshot {
        generation: 3,
        apps: vec![
            Arc::new(payments()),
            Arc::new(orders()),
            Arc::new(inventory()),
            Arc::new(platform),
        ],
        clusters: vec![
            ClusterView {
                name: "in-cluster".into(),
                server: "https://kubernetes.default.svc".into(),
                is_sandbox: true,
                error: None,
            },
            ClusterView {
                name: "prod-eu".into(),
                server: "https://prod-eu.example:6443".into(),
                is_sandbox: false,
                error: Some("connection refused".into()),
            },
        ],
        ..Default::default()
    })
}

/// The incident, with orders' running sync started by this process.
pub fn incident_syncing_here() -> Arc<Snapshot> {
    let mut snapshot = (*incident()).clone();
    for view in &mut snapshot.apps {
        if view.name == "orders" {
            Arc::make_mut(view).operation_here = true;
        }
    }
    Arc::new(snapshot)
}

pub fn app(snapshot: Arc<Snapshot>) -> App {
    App::new(
        snapshot,
        Keymap::default(),
        Theme::colour_blind_safe(),
        false,
        &["prod-*".to_owned()],
    )
}

/// Presses keys (`\n` Enter, `\t` Tab, `\x1b` Esc, ` ` Space) and returns
/// every command they produced.
pub fn press(app: &mut App, keys: &str) -> Vec<plumb::engine::snapshot::Command> {
    use plumb::tui::app::Msg;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    keys.chars()
        .flat_map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        })
        .collect()
}

/// `snapshot` with `app` replaced by `change(app)` and the generation bumped.
pub fn with_app(
    snapshot: &Snapshot,
    name: &str,
    change: impl FnOnce(&mut AppView),
) -> Arc<Snapshot> {
    let mut next = snapshot.clone();
    next.generation += 1;
    if let Some(slot) = next.apps.iter_mut().find(|a| a.name == name) {
        let mut view = (**slot).clone();
        change(&mut view);
        *slot = Arc::new(view);
    }
    Arc::new(next)
}

/// What rolling payments back to `id` would change: replicas 5 → 2.
pub fn payments_preview(id: i64) -> plumb::engine::snapshot::RevisionPreview {
    let deploy = key("apps", "Deployment", "payments", "payments-api");
    let mut d = resource(deploy, SyncStatus::OutOfSync, Some(Health::healthy()));
    d.diff = Some(ResourceDiff {
        modified: true,
        normalized_desired: Some(deployment(2)),
        normalized_live: Some(deployment(5)),
        predicted_live: Some(deployment(2)),
        ..Default::default()
    });
    let comparison = AppComparison {
        app: "payments".into(),
        sync: SyncStatus::OutOfSync,
        health: Health::healthy(),
        revisions: vec![SHA_OLD.into()],
        conditions: Vec::new(),
        resources: vec![d],
        orphaned: Vec::new(),
        tree: Vec::new(),
        namespace_live: false,
        pending_hooks: Vec::new(),
    };
    plumb::engine::snapshot::RevisionPreview {
        id,
        revision: SHA_OLD.into(),
        comparison: Ok(Arc::new(comparison)),
    }
}

/// [`press`], drawing a 100x30 frame before each key as the terminal
/// would (the tree widget moves over what it last drew).
pub fn press_drawn(app: &mut App, keys: &str) -> Vec<plumb::engine::snapshot::Command> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut commands = Vec::new();
    for c in keys.chars() {
        terminal.draw(|f| plumb::tui::views::draw(f, app)).unwrap();
        commands.extend(press(app, &c.to_string()));
    }
    commands
}
