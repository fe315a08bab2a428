//! The engine-loop tests' setting: a Git repository with the payments
//! app, the in-process sandbox with its controllers, short timings, and
//! waits on snapshots and notices.
#![allow(dead_code)] // each test file uses a different subset

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use plumb::cluster::Clusters;
use plumb::engine::compare::SyncStatus;
use plumb::engine::health::HealthStatus;
use plumb::engine::policy::SelfHealSettings;
use plumb::engine::reconcile::EngineConfig;
use plumb::engine::settings::CompareSettings;
use plumb::engine::snapshot::{AppView, Command, Handle, Notice, Snapshot, SyncCommand};
use plumb::sandbox::Sandbox;
use plumb::source::workspace::{RootSpec, Workspace};
use serde_json::json;
use tokio::sync::broadcast::Receiver;

use crate::cli_support::GitRepo;
use crate::runtime_support::{running_sandbox, sandbox_cluster};

pub fn manifests(mode: &str) -> String {
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

pub fn application(repo: &str, automated: &str) -> String {
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

pub struct Setup {
    pub sandbox: Sandbox,
    pub repo: GitRepo,
    _cache: tempfile::TempDir,
    workspace: Arc<Workspace>,
    pub clusters: Arc<Clusters>,
}

impl Setup {
    pub fn new() -> Setup {
        Setup::with_policy("")
    }

    /// `automated` is extra `syncPolicy` YAML (indented by four spaces).
    pub fn with_policy(automated: &str) -> Setup {
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

    pub fn config(&self, holder: &str) -> EngineConfig {
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

    pub fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.sandbox.client(), "payments")
    }

    pub async fn replicas(&self) -> i32 {
        let deployment = self
            .deployments()
            .get("payments")
            .await
            .expect("deployment");
        deployment.spec.and_then(|s| s.replicas).unwrap_or_default()
    }

    pub async fn scale(&self, replicas: i32) {
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

pub async fn wait_for(
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

pub fn summary(view: &AppView) -> String {
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

pub async fn notice(
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

pub fn app(snapshot: &Snapshot) -> &Arc<AppView> {
    snapshot.app("payments").expect("payments listed")
}

pub fn is(snapshot: &Snapshot, sync: SyncStatus, health: HealthStatus) -> bool {
    let view = app(snapshot);
    view.operation.is_none()
        && view
            .comparison
            .as_ref()
            .is_some_and(|c| c.sync == sync && c.health.status == health)
}

/// Synced and Healthy after self-heal attempt `attempt` finished.
pub fn healed_by(snapshot: &Snapshot, attempt: u32) -> bool {
    is(snapshot, SyncStatus::Synced, HealthStatus::Healthy)
        && app(snapshot).last_operation.as_ref().is_some_and(|op| {
            op.operation.request.self_heal && op.operation.request.auto_heal_attempts == attempt
        })
}

pub fn sync() -> Command {
    Command::Sync {
        app: "payments".into(),
        options: SyncCommand::default(),
    }
}
