//! The payments incident through the engine's Handle, against the
//! in-process sandbox with its controllers: sync, drift healed by
//! self-heal, drift kept by a freeze, rollback with its preview, the lease
//! refused to a second plumb, and an interrupted operation recovered.

mod cli_support;
mod runtime_support;

use std::sync::Arc;
use std::time::Duration;

use cli_support::GitRepo;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use plumb::cluster::Clusters;
use plumb::engine::compare::{ConditionType, SyncStatus};
use plumb::engine::health::HealthStatus;
use plumb::engine::policy::SelfHealSettings;
use plumb::engine::reconcile::{Engine, EngineConfig};
use plumb::engine::settings::CompareSettings;
use plumb::engine::snapshot::{
    AppView, Command, Handle, Notice, NoticeLevel, Snapshot, SyncCommand, TimelineSource,
};
use plumb::engine::store::{INTERRUPTED, Store};
use plumb::engine::sync::{OperationPhase, SyncOperation, SyncRequest};
use plumb::sandbox::Sandbox;
use plumb::source::workspace::{RootSpec, Workspace};
use runtime_support::{running_sandbox, sandbox_cluster};
use serde_json::json;
use tokio::sync::broadcast::Receiver;

fn manifests(mode: &str) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: payments-config
data:
  mode: {mode}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  annotations:
    argocd.argoproj.io/sync-wave: \"1\"
spec:
  replicas: 3
  selector:
    matchLabels: {{app: payments}}
  template:
    metadata:
      labels: {{app: payments}}
    spec:
      containers:
      - name: payments
        image: ghcr.io/acme-corp/payments:4f2a9c1
"
    )
}

fn application(repo: &str, automated: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: payments, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: {repo}, targetRevision: HEAD, path: deploy}}
  destination: {{server: https://kubernetes.default.svc, namespace: payments}}
  syncPolicy:
    syncOptions: [CreateNamespace=true]
{automated}"
    )
}

struct Setup {
    sandbox: Sandbox,
    repo: GitRepo,
    _cache: tempfile::TempDir,
    workspace: Arc<Workspace>,
    clusters: Arc<Clusters>,
}

impl Setup {
    fn new() -> Setup {
        Setup::with_policy("")
    }

    /// `automated` is extra `syncPolicy` YAML (indented by four spaces).
    fn with_policy(automated: &str) -> Setup {
        let repo = GitRepo::new();
        let url = repo.url().to_owned();
        repo.write("deploy/payments.yaml", &manifests("live"))
            .write("apps/payments.yaml", &application(&url, automated));
        repo.commit("payments");
        let sandbox = running_sandbox();
        let cluster = sandbox_cluster(&sandbox);
        let info = cluster.info().clone();
        let clusters = Arc::new(Clusters::from_clients(vec![(info, sandbox.client())]));
        let cache = tempfile::tempdir().expect("tempdir");
        let workspace = Arc::new(Workspace::new(cache.path(), Default::default()));
        Setup {
            sandbox,
            repo,
            _cache: cache,
            workspace,
            clusters,
        }
    }

    fn config(&self, holder: &str) -> EngineConfig {
        let root = RootSpec::Repo {
            repo: self.repo.url().to_owned(),
            revision: "HEAD".into(),
            path: "apps".into(),
        };
        EngineConfig::new(
            self.workspace.clone(),
            root,
            self.clusters.clone(),
            Arc::new(CompareSettings::default()),
        )
        .with_holder(holder)
        .with_poll_interval(Duration::ZERO)
        .with_debounce(Duration::from_millis(50))
        .with_idle_poll(Duration::from_millis(50))
        .with_settle(Duration::from_millis(200))
        .with_wave_delay_seconds(0)
        .with_self_heal(SelfHealSettings {
            backoff_timeout: Duration::from_millis(200),
            backoff_factor: 2,
            backoff_cap: Duration::from_secs(1),
            ..SelfHealSettings::default()
        })
    }

    fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.sandbox.client(), "payments")
    }

    async fn replicas(&self) -> i32 {
        let deployment = self
            .deployments()
            .get("payments")
            .await
            .expect("deployment");
        deployment.spec.and_then(|s| s.replicas).unwrap_or_default()
    }

    async fn scale(&self, replicas: i32) {
        self.deployments()
            .patch(
                "payments",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": replicas}})),
            )
            .await
            .expect("scaled");
    }
}

async fn wait_for(
    handle: &Handle,
    what: &str,
    seconds: u64,
    done: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    let mut watch = handle.watch();
    let waited = tokio::time::timeout(Duration::from_secs(seconds), async {
        loop {
            let snapshot = watch.borrow_and_update().clone();
            if done(&snapshot) {
                return snapshot;
            }
            watch.changed().await.expect("the engine runs");
        }
    })
    .await;
    waited.unwrap_or_else(|_| {
        let payments = handle.snapshot().app("payments").map(|a| summary(a));
        panic!("waited {seconds} s for {what}; payments is {payments:?}")
    })
}

fn summary(view: &AppView) -> String {
    let comparison = view.comparison.as_ref();
    format!(
        "sync {:?}, health {:?}, operation {:?}, last {:?}, conditions {:?}",
        comparison.map(|c| c.sync),
        comparison.map(|c| c.health.status),
        view.operation
            .as_ref()
            .map(|o| (o.phase, o.message.clone())),
        view.last_operation
            .as_ref()
            .map(|o| (o.phase, o.message.clone())),
        comparison.map(|c| c.conditions.clone()),
    )
}

async fn notice(
    notices: &mut Receiver<Notice>,
    what: &str,
    wanted: impl Fn(&Notice) -> bool,
) -> Notice {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match notices.recv().await {
                Ok(notice) if wanted(&notice) => return notice,
                Ok(notice) => seen.push(notice.message),
                Err(e) => panic!("notices: {e}"),
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no notice {what}; saw {seen:?}"))
}

fn app(snapshot: &Snapshot) -> &Arc<AppView> {
    snapshot.app("payments").expect("payments listed")
}

fn is(snapshot: &Snapshot, sync: SyncStatus, health: HealthStatus) -> bool {
    let view = app(snapshot);
    view.operation.is_none()
        && view
            .comparison
            .as_ref()
            .is_some_and(|c| c.sync == sync && c.health.status == health)
}

/// Synced and Healthy after self-heal attempt `attempt` finished.
fn healed_by(snapshot: &Snapshot, attempt: u32) -> bool {
    is(snapshot, SyncStatus::Synced, HealthStatus::Healthy)
        && app(snapshot).last_operation.as_ref().is_some_and(|op| {
            op.operation.request.self_heal && op.operation.request.auto_heal_attempts == attempt
        })
}

fn sync() -> Command {
    Command::Sync {
        app: "payments".into(),
        options: SyncCommand::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payments_incident_through_the_handle() {
    let setup = Setup::new();
    let handle = Engine::spawn(setup.config("ana@laptop"));
    let mut notices = handle.notices();
    wait_for(&handle, "the first comparison", 20, |s| !s.loading).await;

    handle.send(sync()).await.expect("sent");
    let synced = wait_for(&handle, "Synced and Healthy", 30, |s| {
        is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    assert_eq!(app(&synced).history.len(), 1);
    let first_revision = app(&synced).history[0].revision.clone();

    handle
        .send(Command::SetAutoSync {
            app: "payments".into(),
            auto_sync: Some(true),
            self_heal: Some(true),
        })
        .await
        .expect("sent");
    wait_for(&handle, "auto-sync on", 10, |s| {
        app(s).auto_sync && app(s).self_heal
    })
    .await;

    setup.scale(5).await;
    let healed = notice(&mut notices, "of self-heal", |n| {
        n.message.starts_with("self-heal")
    })
    .await;
    assert_eq!(
        healed.message,
        "self-heal: reverting Deployment payments/payments (spec.replicas 5 → 3), attempt 1"
    );
    wait_for(&handle, "healed", 20, |s| healed_by(s, 1)).await;
    assert_eq!(setup.replicas().await, 3);

    handle
        .send(Command::Freeze {
            app: Some("payments".into()),
            reason: "INC-42: payments incident".into(),
        })
        .await
        .expect("sent");
    wait_for(&handle, "frozen", 10, |s| app(s).freeze.is_some()).await;
    setup.scale(5).await;
    let frozen = notice(&mut notices, "of the freeze", |n| {
        n.message.starts_with("frozen")
    })
    .await;
    assert_eq!(
        frozen.message,
        "frozen: drift kept (INC-42: payments incident)"
    );
    assert_eq!(frozen.level, NoticeLevel::Warning);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(setup.replicas().await, 5, "a freeze keeps the drift");
    let drifted = handle.snapshot();
    assert_eq!(
        app(&drifted).comparison.as_ref().map(|c| c.sync),
        Some(SyncStatus::OutOfSync)
    );

    handle
        .send(Command::Unfreeze {
            app: Some("payments".into()),
        })
        .await
        .expect("sent");
    let healed = notice(&mut notices, "of self-heal after the freeze", |n| {
        n.message.starts_with("self-heal")
    })
    .await;
    assert!(healed.message.ends_with("attempt 2"), "{}", healed.message);
    wait_for(&handle, "healed after the freeze", 20, |s| healed_by(s, 2)).await;
    assert_eq!(setup.replicas().await, 3);

    setup
        .repo
        .write("deploy/payments.yaml", &manifests("degraded"));
    setup.repo.commit("payments: degraded mode");
    handle
        .send(Command::Refresh {
            app: None,
            hard: true,
        })
        .await
        .expect("sent");
    notice(
        &mut notices,
        "of the automated sync of the new commit",
        |n| n.message.starts_with("auto-sync: syncing payments"),
    )
    .await;
    let moved = wait_for(&handle, "the new commit deployed", 30, |s| {
        app(s).history.len() == 2 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    assert_ne!(app(&moved).history[1].revision, first_revision);

    let first_id = app(&moved).history[0].id;
    handle
        .send(Command::Preview {
            app: "payments".into(),
            id: Some(first_id),
        })
        .await
        .expect("sent");
    let previewed = wait_for(&handle, "the rollback preview", 15, |s| {
        app(s).preview.is_some()
    })
    .await;
    let preview = app(&previewed).preview.clone().expect("preview");
    assert_eq!(preview.revision, first_revision);
    let comparison = preview.comparison.as_ref().expect("the entry renders");
    let config = comparison
        .resources
        .iter()
        .find(|r| r.key.kind == "ConfigMap")
        .expect("the ConfigMap compared");
    assert_eq!(
        config.status,
        Some(SyncStatus::OutOfSync),
        "the rollback would change it"
    );

    handle
        .send(Command::Rollback {
            app: "payments".into(),
            id: Some(first_id),
            disable_auto_sync: true,
            prune: false,
            dry_run: false,
        })
        .await
        .expect("sent");
    let rolled = wait_for(&handle, "the rollback recorded", 30, |s| {
        app(s).history.len() == 3 && app(s).operation.is_none()
    })
    .await;
    let view = app(&rolled);
    assert_eq!(view.history[2].revision, first_revision);
    assert!(view.auto_sync_paused.is_some(), "rollback pauses auto-sync");
    assert!(!view.auto_sync);
    let configs: Api<ConfigMap> = Api::namespaced(setup.sandbox.client(), "payments");
    let live = configs.get("payments-config").await.expect("config map");
    let mode = live.data.unwrap_or_default().remove("mode");
    assert_eq!(
        mode.as_deref(),
        Some("live"),
        "the rollback restored the first commit"
    );
    let timeline = &view.timeline;
    assert!(
        timeline.iter().any(|e| e.reason == "OperationSucceeded"),
        "plumb's operations in the timeline: {timeline:?}"
    );
    let kube = |kind: &str, reason: &str| {
        timeline.iter().any(|e| {
            e.source == TimelineSource::Kubernetes
                && e.reason == reason
                && e.object.as_ref().is_some_and(|o| o.kind == kind)
        })
    };
    assert!(
        kube("Deployment", "ScalingReplicaSet") && kube("Pod", "Scheduled"),
        "the cluster's events about the app's objects and their pods: {timeline:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_plumb_is_refused_the_lease_while_the_first_syncs() {
    let setup = Setup::new();
    let ana = Engine::spawn(setup.config("ana@laptop").with_wave_delay_seconds(3));
    let bob = Engine::spawn(setup.config("bob@desk"));
    let mut bob_notices = bob.notices();
    wait_for(&ana, "ana's comparison", 20, |s| !s.loading).await;
    wait_for(&bob, "bob's comparison", 20, |s| !s.loading).await;

    ana.send(sync()).await.expect("sent");
    wait_for(&ana, "ana's first sync", 30, |s| {
        app(s).history.len() == 1 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    wait_for(&bob, "ana's sync in bob's history", 10, |s| {
        app(s).history.len() == 1
    })
    .await;

    ana.send(sync()).await.expect("sent");
    let running = wait_for(&ana, "ana's operation past its first wave", 10, |s| {
        app(s).operation.as_ref().is_some_and(|op| {
            op.operation
                .tasks
                .iter()
                .any(|t| t.wave == 0 && t.result.is_some())
        })
    })
    .await;
    let op = app(&running).operation.clone().expect("running");
    assert_eq!(op.phase, OperationPhase::Running);
    let waves: Vec<i32> = op.plan.groups.iter().map(|g| g.wave).collect();
    assert!(waves.contains(&0) && waves.contains(&1), "{waves:?}");
    assert!(
        op.operation
            .tasks
            .iter()
            .any(|t| t.wave == 1 && t.result.is_none()),
        "published between the waves"
    );
    wait_for(&bob, "ana's operation seen by bob", 10, |s| {
        app(s)
            .operation
            .as_ref()
            .is_some_and(|op| op.holder == "ana@laptop")
    })
    .await;
    bob.send(sync()).await.expect("sent");
    let refused = notice(&mut bob_notices, "of the refusal", |n| {
        n.level == NoticeLevel::Error
    })
    .await;
    assert_eq!(refused.app.as_deref(), Some("payments"));
    assert!(
        refused
            .message
            .starts_with("cannot sync payments: operation in progress, held by ana@laptop since "),
        "{}",
        refused.message
    );
    wait_for(&ana, "ana's second sync done", 30, |s| {
        app(s).history.len() == 2 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;

    bob.send(Command::Freeze {
        app: None,
        reason: "change freeze".into(),
    })
    .await
    .expect("sent");
    let frozen = wait_for(&ana, "bob's global freeze seen by ana", 10, |s| {
        s.global_freeze.is_some()
    })
    .await;
    let freeze = frozen.global_freeze.clone().expect("frozen");
    assert_eq!(
        (freeze.reason.as_str(), freeze.by.as_str()),
        ("change freeze", "bob@desk")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_left_by_a_dead_plumb_shows_as_interrupted() {
    let setup = Setup::new();
    let cluster = setup.clusters.all()[0].clone();
    let lease = cluster
        .acquire_lease("payments", "ghost@gone", Duration::from_secs(1))
        .await
        .expect("lease");
    let op = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(
            "0123456789abcdef0123456789abcdef01234567",
            jiff::Timestamp::now(),
        ),
        Vec::new(),
        false,
    );
    Store::new(cluster.clone())
        .begin_operation("payments", &op)
        .await
        .expect("stored");
    drop(lease);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let handle = Engine::spawn(setup.config("ana@laptop"));
    let recovered = wait_for(&handle, "the interrupted operation", 20, |s| {
        app(s).last_operation.is_some()
    })
    .await;
    let last = app(&recovered).last_operation.clone().expect("last");
    assert_eq!(last.message, INTERRUPTED);
    assert!(app(&recovered).operation.is_none());
    assert!(
        app(&recovered)
            .timeline
            .iter()
            .any(|e| e.reason == "OperationInterrupted")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automated_sync_refuses_to_wipe_out_every_resource() {
    let setup = Setup::with_policy("    automated: {prune: true}\n");
    let handle = Engine::spawn(setup.config("ana@laptop"));
    let mut notices = handle.notices();
    notice(&mut notices, "of the first automated sync", |n| {
        n.message.starts_with("auto-sync: syncing payments")
    })
    .await;
    wait_for(&handle, "the automated sync", 30, |s| {
        app(s).history.len() == 1 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;

    setup.repo.write("deploy/payments.yaml", "");
    setup.repo.commit("payments: nothing left");
    handle
        .send(Command::Refresh {
            app: None,
            hard: true,
        })
        .await
        .expect("sent");
    let refused = notice(&mut notices, "of the refusal", |n| {
        n.level == NoticeLevel::Error
    })
    .await;
    assert!(
        refused
            .message
            .starts_with("auto-sync of payments: Skipping sync attempt to [")
            && refused
                .message
                .ends_with("]: auto-sync will wipe out all resources"),
        "{}",
        refused.message
    );
    let shown = wait_for(&handle, "the SyncError condition", 10, |s| {
        app(s).comparison.as_ref().is_some_and(|c| {
            c.conditions
                .iter()
                .any(|c| c.kind == ConditionType::SyncError)
        })
    })
    .await;
    assert_eq!(app(&shown).history.len(), 1, "nothing synced");
    assert_eq!(setup.replicas().await, 3, "nothing pruned");
}
