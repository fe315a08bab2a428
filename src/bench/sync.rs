//! The sync benchmark: a generated app of N objects in one wave, synced by
//! plumb's operation runner against a fresh sandbox served over loopback TLS
//! (first sync, then a no-op re-sync with ApplyOutOfSyncOnly off and on),
//! side by side with `kubectl apply --server-side -f DIR` of the same files
//! against the same kind of sandbox (first apply, then re-apply).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use base64::Engine as _;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use super::BenchError;
use super::baseline::kubectl_apply_server_side;
use super::measure::{Samples, peak_rss_kib};
use super::sandbox::{
    Scenario, ServedSandbox, TempRoot, client_for, scenario, serve, write_manifests,
};
use crate::cluster::{ClusterInfo, ClusterRef, Clusters};
use crate::engine::health::HealthConfig;
use crate::engine::policy::SyncOptions;
use crate::engine::runtime::{Runner, run_operation};
use crate::engine::store::Store;
use crate::engine::sync::{OperationPhase, Resource, SyncOperation, SyncRequest};
use crate::model::ResourceKey;
use crate::sandbox::Sandbox;
use crate::sandbox::clock::Clock;
use crate::sandbox::kubeconfig;

/// The app's destination namespace, created before each run on both sides.
const NAMESPACE: &str = "bench-sync";
const APP: &str = "bench-sync";
/// The field manager kubectl applies with (plumb's cluster adapter uses its own).
const KUBECTL_MANAGER: &str = "kubectl-bench";
const HOLDER: &str = "bench@localhost";
const HISTORY_LIMIT: usize = 10;
/// A revision recorded in history; the benchmark has no Git repository.
const REVISION: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct SyncBench {
    /// Objects in the generated app.
    pub objects: usize,
    pub runs: usize,
    pub kubectl: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct SyncReport {
    pub objects: usize,
    pub runs: usize,
    /// plumb's scenarios with kubectl's equivalent as the baseline.
    pub scenarios: Vec<Scenario>,
    /// VmHWM of the benchmark process (plumb and the served sandbox together).
    pub peak_rss_kib: Option<u64>,
}

/// The `i`-th object of the app: ConfigMaps, Secrets, Services and
/// Deployments in turn, all in one wave, labelled as Argo CD tracks them.
pub fn app_object(i: usize) -> Value {
    let name = format!("sync-{i:05}");
    let meta = json!({"name": name, "namespace": NAMESPACE,
        "labels": {"app.kubernetes.io/instance": APP, "app": name}});
    match i % 4 {
        0 => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {"LOG_LEVEL": "info", "REGION": "eu-west-1", "index": i.to_string()}}),
        1 => {
            let value = base64::engine::general_purpose::STANDARD.encode(format!("secret-{i}"));
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
                "data": {"token": value}})
        }
        2 => json!({"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}),
        _ => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                    "name": "app", "image": format!("registry.example.com/{name}:1.0"),
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}]}}}}),
    }
}

/// A fresh sandbox served on loopback TLS, with the bench namespace. It
/// runs no controllers (as in `plumb bench sandbox`): their simulation of
/// hundreds of Deployments would be measured instead of the writes, and a
/// one-wave sync does not wait for health.
async fn serve_fresh(dir: &Path) -> Result<ServedSandbox, BenchError> {
    let sandbox = Sandbox::with_token(Clock::Real, kubeconfig::new_token());
    let served = serve(&sandbox, dir).await?;
    let cluster = cluster_for(&served.kubeconfig).await?;
    cluster
        .create(
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}),
            false,
        )
        .await
        .map_err(|e| BenchError::Baseline(format!("create namespace {NAMESPACE}: {e}")))?;
    Ok(served)
}

async fn cluster_for(kubeconfig: &Path) -> Result<ClusterRef, BenchError> {
    let info = ClusterInfo {
        name: "sandbox".into(),
        server: "https://127.0.0.1".into(),
        is_sandbox: true,
        is_current: true,
    };
    let client = client_for(kubeconfig).await?;
    Clusters::from_clients(vec![(info, client)])
        .all()
        .first()
        .cloned()
        .ok_or_else(|| BenchError::Baseline("no cluster for the served sandbox".into()))
}

impl SyncBench {
    /// Runs every measurement; needs no tokio runtime of its own.
    pub fn run(&self) -> Result<SyncReport, BenchError> {
        super::runtime()?.block_on(self.run_async())
    }

    async fn run_async(&self) -> Result<SyncReport, BenchError> {
        let root = TempRoot::new()?;
        let objects: Vec<Value> = (0..self.objects).map(app_object).collect();
        let manifests = root.path().join("manifests");
        write_manifests(&manifests, &objects)?;

        let mut first = Samples::default();
        let mut noop_all = Samples::default();
        let mut noop_out_of_sync = Samples::default();
        let mut kubectl_first = Samples::default();
        let mut kubectl_again = Samples::default();
        for run in 0..self.runs.max(1) {
            let served = serve_fresh(&root.path().join(format!("plumb-{run}"))).await?;
            let cluster = cluster_for(&served.kubeconfig).await?;
            let runner = Runner::new(cluster.clone(), Arc::new(HealthConfig::default()));
            let store = Store::new(cluster.clone());
            let desired = objects.iter().cloned().map(Resource::desired).collect();
            first.push(self.sync(&runner, &store, desired, false).await?);
            let synced = synced_resources(&cluster, &objects).await?;
            noop_all.push(self.sync(&runner, &store, synced.clone(), false).await?);
            noop_out_of_sync.push(self.sync(&runner, &store, synced, true).await?);
            drop(served);

            let served = serve_fresh(&root.path().join(format!("kubectl-{run}"))).await?;
            kubectl_first.push(
                self.kubectl_apply(&served.kubeconfig, &manifests, root.path())
                    .await?,
            );
            kubectl_again.push(
                self.kubectl_apply(&served.kubeconfig, &manifests, root.path())
                    .await?,
            );
        }
        let n = self.objects;
        let (kubectl_first, kubectl_again) = (kubectl_first.summary(), kubectl_again.summary());
        Ok(SyncReport {
            objects: n,
            runs: self.runs.max(1),
            scenarios: vec![
                scenario(
                    format!("first sync of {n} objects"),
                    &first,
                    Some(kubectl_first),
                ),
                scenario(
                    format!("no-op re-sync of {n} (every object applied, as Argo CD)"),
                    &noop_all,
                    Some(kubectl_again),
                ),
                scenario(
                    format!("no-op re-sync of {n} (ApplyOutOfSyncOnly=true)"),
                    &noop_out_of_sync,
                    Some(kubectl_again),
                ),
            ],
            peak_rss_kib: peak_rss_kib(),
        })
    }

    /// One operation through `run_operation` (lease, store, history), timed;
    /// an operation that does not succeed fails the benchmark.
    async fn sync(
        &self,
        runner: &Runner,
        store: &Store,
        resources: Vec<Resource>,
        out_of_sync_only: bool,
    ) -> Result<Duration, BenchError> {
        let mut request = SyncRequest::new(REVISION, Timestamp::now());
        if out_of_sync_only {
            request.options = SyncOptions::parse(&["ApplyOutOfSyncOnly=true".to_owned()]);
        }
        let op = SyncOperation::start(APP, NAMESPACE, request, resources, false);
        let never = AtomicBool::new(false);
        let started = Instant::now();
        let done = run_operation(runner, store, op, HOLDER, HISTORY_LIMIT, &never, |_| {})
            .await
            .map_err(|e| BenchError::Baseline(format!("plumb sync: {e}")))?;
        let elapsed = started.elapsed();
        if done.phase() != OperationPhase::Succeeded {
            return Err(BenchError::Baseline(format!(
                "plumb sync ended {}: {}",
                done.phase().as_str(),
                done.message()
            )));
        }
        Ok(elapsed)
    }

    /// `kubectl apply --server-side -f DIR` against a served sandbox.
    async fn kubectl_apply(
        &self,
        kubeconfig: &Path,
        manifests: &Path,
        root: &Path,
    ) -> Result<Duration, BenchError> {
        kubectl_apply_server_side(
            &self.kubectl,
            kubeconfig,
            manifests,
            root,
            KUBECTL_MANAGER,
            self.objects,
        )
        .await
    }
}

/// The app after a sync, as a comparison hands it to the next one: every
/// object live and Synced. Read before the timed re-sync starts.
async fn synced_resources(
    cluster: &ClusterRef,
    objects: &[Value],
) -> Result<Vec<Resource>, BenchError> {
    let mut resources = Vec::with_capacity(objects.len());
    for object in objects {
        let key = ResourceKey::of(object);
        let live = cluster
            .get(&key)
            .await
            .map_err(|e| BenchError::Baseline(format!("read {key}: {e}")))?
            .ok_or_else(|| BenchError::Baseline(format!("{key} missing after the sync")))?;
        resources.push(Resource::existing(object.clone(), live, false));
    }
    Ok(resources)
}
