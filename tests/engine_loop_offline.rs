//! The reconcile loop without a reachable cluster: the catalog is listed
//! before anything is compared, apps that cannot be rendered or whose
//! cluster cannot be reached carry conditions (and are never synced), and
//! refused commands come back as Error notices naming the app; a Git poll
//! picks up a new root commit.

mod cli_support;

use std::sync::Arc;
use std::time::Duration;

use cli_support::GitRepo;
use plumb::cluster::{ClusterInfo, Clusters};
use plumb::engine::compare::ConditionType;
use plumb::engine::reconcile::{Engine, EngineConfig};
use plumb::engine::settings::CompareSettings;
use plumb::engine::snapshot::{Command, Handle, Notice, NoticeLevel, Snapshot, SyncCommand};
use plumb::source::workspace::{RootSpec, Workspace};

const DEPLOY: &str = "apiVersion: v1
kind: ConfigMap
metadata: {name: payments-config}
data: {mode: live}
";

fn app(name: &str, repo: &str, path: &str, destination: &str, extra: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: {repo}, targetRevision: HEAD, path: {path}}}
  destination: {{{destination}, namespace: {name}}}
{extra}"
    )
}

/// A root with a plain automated app, an app whose path does not exist, an
/// app for an unknown cluster, an app-of-apps with one child, and a list
/// ApplicationSet generating one app.
fn repo() -> GitRepo {
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    let server = "server: https://kubernetes.default.svc";
    let automated = "  syncPolicy: {automated: {prune: true, selfHeal: true}}\n";
    repo.write("deploy/payments.yaml", DEPLOY)
        .write(
            "argocd/payments.yaml",
            &app("payments", &url, "deploy", server, automated),
        )
        .write(
            "argocd/broken.yaml",
            &app("broken", &url, "missing", server, ""),
        )
        .write(
            "argocd/lost.yaml",
            &app("lost", &url, "deploy", "name: nowhere", ""),
        )
        .write(
            "argocd/root.yaml",
            &app("root", &url, "children", server, ""),
        )
        .write(
            "children/child.yaml",
            &app("child", &url, "deploy", server, ""),
        )
        .write(
            "argocd/fleet.yaml",
            &format!(
                "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: fleet, namespace: argocd}}
spec:
  generators:
    - list:
        elements: [{{team: blue}}]
  template:
    metadata: {{name: '{{{{team}}}}-web'}}
    spec:
      project: default
      source: {{repoURL: {url}, targetRevision: HEAD, path: deploy}}
      destination: {{{server}, namespace: web}}
"
            ),
        );
    repo.commit("fleet");
    repo
}

/// One cluster, the current context, that refuses every connection.
fn unreachable() -> Arc<Clusters> {
    let url = "http://127.0.0.1:9".parse().expect("url");
    let client = kube::Client::try_from(kube::Config::new(url)).expect("client");
    let info = ClusterInfo {
        name: "prod".into(),
        server: "http://127.0.0.1:9".into(),
        is_sandbox: false,
        is_current: true,
    };
    Arc::new(Clusters::from_clients(vec![(info, client)]))
}

struct Offline {
    _cache: tempfile::TempDir,
    repo: GitRepo,
    config: EngineConfig,
}

fn offline() -> Offline {
    let repo = repo();
    let cache = tempfile::tempdir().expect("tempdir");
    let workspace = Arc::new(Workspace::new(cache.path(), Default::default()));
    let root = RootSpec::Repo {
        repo: repo.url().to_owned(),
        revision: "HEAD".into(),
        path: "argocd".into(),
    };
    let config = EngineConfig::new(
        workspace,
        root,
        unreachable(),
        Arc::new(CompareSettings::default()),
    )
    .with_poll_interval(Duration::ZERO);
    Offline {
        _cache: cache,
        repo,
        config,
    }
}

async fn settled(handle: &Handle) -> Arc<Snapshot> {
    let mut watch = handle.watch();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let snapshot = watch.borrow_and_update().clone();
            if !snapshot.loading {
                return snapshot;
            }
            watch.changed().await.expect("the engine runs");
        }
    })
    .await
    .expect("every app compared within 30 s")
}

/// The first snapshot listing `app`, within 10 s.
async fn listed(handle: &Handle, app: &str) -> Arc<Snapshot> {
    let mut watch = handle.watch();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let snapshot = watch.borrow_and_update().clone();
            if snapshot.app(app).is_some() {
                return snapshot;
            }
            watch.changed().await.expect("the engine runs");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{app} listed within 10 s"))
}

async fn next_error(notices: &mut tokio::sync::broadcast::Receiver<Notice>) -> Notice {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let notice = notices.recv().await.expect("notices");
            if notice.level == NoticeLevel::Error {
                return notice;
            }
        }
    })
    .await
    .expect("an error notice within 10 s")
}

fn condition_messages(snapshot: &Snapshot, app: &str) -> Vec<String> {
    let view = snapshot
        .app(app)
        .unwrap_or_else(|| panic!("{app} is listed"));
    let comparison = view
        .comparison
        .as_ref()
        .unwrap_or_else(|| panic!("{app} is compared"));
    comparison
        .conditions
        .iter()
        .filter(|c| c.kind == ConditionType::ComparisonError)
        .map(|c| c.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_snapshot_lists_the_catalog_before_any_comparison() {
    let setup = offline();
    let handle = Engine::spawn(setup.config.clone());
    let first = handle.snapshot();
    let mut names: Vec<&str> = first.apps.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["blue-web", "broken", "child", "lost", "payments", "root"]
    );
    assert!(first.loading);
    assert!(first.generation >= 1);
    assert!(first.root_revision.is_some());
    let child = first.app("child").expect("child");
    assert_eq!(child.parent.as_deref(), Some("root"));
    assert_eq!(
        first.app("blue-web").expect("generated").appset.as_deref(),
        Some("fleet")
    );
    let payments = first.app("payments").expect("payments");
    assert!(payments.auto_sync && payments.self_heal);
    assert!(payments.comparison.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_that_cannot_be_compared_carry_conditions_and_are_not_synced() {
    let setup = offline();
    let handle = Engine::spawn(setup.config.clone());
    let mut notices = handle.notices();
    let snapshot = settled(&handle).await;

    let broken = condition_messages(&snapshot, "broken");
    assert!(
        broken.iter().any(|m| m.contains("missing")),
        "render failure named: {broken:?}"
    );
    let lost = condition_messages(&snapshot, "lost");
    assert!(
        lost.iter().any(|m| m.contains("nowhere")),
        "unknown cluster named: {lost:?}"
    );
    let payments = condition_messages(&snapshot, "payments");
    assert!(
        payments.iter().any(|m| m.contains("prod")),
        "unreachable cluster named: {payments:?}"
    );
    let prod = snapshot
        .clusters
        .iter()
        .find(|c| c.name == "prod")
        .expect("prod listed");
    assert!(prod.error.is_some(), "{prod:?}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = handle.snapshot();
    for view in &later.apps {
        assert!(
            view.operation.is_none(),
            "{} must not be synced: {:?}",
            view.name,
            view.operation
        );
    }
    while let Ok(notice) = notices.try_recv() {
        assert!(
            !notice.message.contains("syncing") && !notice.message.contains("self-heal"),
            "no automated sync: {notice:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_commands_become_error_notices_naming_the_app() {
    let setup = offline();
    let handle = Engine::spawn(setup.config.clone());
    let mut notices = handle.notices();
    settled(&handle).await;

    let sync = |app: &str| Command::Sync {
        app: app.into(),
        options: SyncCommand::default(),
    };
    handle.send(sync("broken")).await.expect("sent");
    let refused = next_error(&mut notices).await;
    assert_eq!(refused.app.as_deref(), Some("broken"));
    assert!(
        refused.message.starts_with("cannot sync broken: "),
        "{refused:?}"
    );

    handle.send(sync("nope")).await.expect("sent");
    let unknown = next_error(&mut notices).await;
    assert_eq!(unknown.message, "application 'nope' not found");

    handle
        .send(Command::Rollback {
            app: "payments".into(),
            id: None,
            disable_auto_sync: true,
            prune: false,
            dry_run: false,
        })
        .await
        .expect("sent");
    let rollback = next_error(&mut notices).await;
    assert!(
        rollback.message.contains("payments"),
        "rollback without history names the app: {rollback:?}"
    );

    let readonly = Engine::spawn(setup.config.clone().readonly(true));
    let mut readonly_notices = readonly.notices();
    readonly
        .send(Command::Freeze {
            app: Some("payments".into()),
            reason: "incident".into(),
        })
        .await
        .expect("sent");
    let refused = next_error(&mut readonly_notices).await;
    assert!(refused.message.contains("read-only"), "{refused:?}");
    assert_eq!(refused.app.as_deref(), Some("payments"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_poll_fetches_and_reloads_the_catalog_when_the_root_moves() {
    let setup = offline();
    let handle = Engine::spawn(
        setup
            .config
            .clone()
            .with_poll_interval(Duration::from_millis(300)),
    );
    let before = settled(&handle).await;
    assert!(before.app("orders").is_none());
    let url = setup.repo.url().to_owned();
    let server = "server: https://kubernetes.default.svc";
    setup.repo.write(
        "argocd/orders.yaml",
        &app("orders", &url, "deploy", server, ""),
    );
    let commit = setup.repo.commit("orders");
    let moved = listed(&handle, "orders").await;
    assert_eq!(moved.root_revision, Some(commit.to_string()));
    assert_ne!(moved.root_revision, before.root_revision);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_fetches_and_one_for_an_unknown_app_is_refused() {
    let setup = offline();
    // The poll is off: only the refreshes below can see the new commit.
    let handle = Engine::spawn(setup.config.clone());
    let mut notices = handle.notices();
    let before = settled(&handle).await;
    assert!(before.app("orders").is_none());

    let refused = Command::Refresh {
        app: Some("nope".into()),
        hard: false,
    };
    handle.send(refused).await.expect("sent");
    let notice = next_error(&mut notices).await;
    assert_eq!(notice.app.as_deref(), Some("nope"));
    assert!(
        notice.message.contains("no application named nope"),
        "{}",
        notice.message
    );

    let url = setup.repo.url().to_owned();
    let server = "server: https://kubernetes.default.svc";
    setup.repo.write(
        "argocd/orders.yaml",
        &app("orders", &url, "deploy", server, ""),
    );
    let commit = setup.repo.commit("orders");
    // A soft refresh of one app fetches; the root moved, so the catalog
    // is read again and the new app is listed.
    let refresh = Command::Refresh {
        app: Some("payments".into()),
        hard: false,
    };
    handle.send(refresh).await.expect("sent");
    let moved = listed(&handle, "orders").await;
    assert_eq!(moved.root_revision, Some(commit.to_string()));
    let said = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let notice = notices.recv().await.expect("notices");
            if notice.app.as_deref() == Some("payments") && notice.level == NoticeLevel::Info {
                return notice.message;
            }
        }
    })
    .await
    .expect("the refresh is said done");
    let short = &commit.to_string()[..7];
    assert_eq!(
        said,
        format!("refresh of payments at {short}: rendered; comparing")
    );
}
