//! The sandbox benchmark: creating and listing many objects through kube-rs,
//! server-side apply through kube-rs in process and over loopback TLS, side
//! by side with `kubectl apply --server-side -f DIR` of the same objects
//! against the served sandbox, and the resident memory of a full store.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde::Serialize;
use serde_json::{Value, json};

use super::BenchError;
use super::baseline::kubectl_apply_server_side;
use super::measure::{Samples, Summary, current_rss_kib, peak_rss_kib, time_runs};
use crate::sandbox::Sandbox;
use crate::sandbox::clock::Clock;
use crate::sandbox::kubeconfig;

/// The namespace every benchmark object lives in.
const NAMESPACE: &str = "bench";
const MANAGER: &str = "plumb-bench";

#[derive(Debug, Clone)]
pub struct SandboxBench {
    /// ConfigMaps created, then listed.
    pub objects: usize,
    /// Objects (ConfigMaps, Deployments, Services) applied server-side.
    pub apply: usize,
    /// ConfigMaps stored for the memory measurement.
    pub memory_objects: usize,
    pub runs: usize,
    pub kubectl: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct SandboxReport {
    pub objects: usize,
    pub apply: usize,
    pub runs: usize,
    pub scenarios: Vec<Scenario>,
    /// `kubectl version --client`: the cost of starting kubectl at all.
    pub kubectl_floor: Summary,
    pub memory: Memory,
}

#[derive(Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub plumb: Summary,
    /// The same work done by kubectl, where there is a kubectl equivalent.
    pub baseline: Option<Summary>,
    /// Baseline median / plumb median: above 1 means plumb is faster.
    pub ratio: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Memory {
    pub objects: usize,
    /// VmRSS before the objects were created and after.
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
    /// VmHWM of the benchmark process at that point.
    pub peak_kib: Option<u64>,
}

fn kube_error(what: &str) -> impl FnOnce(kube::Error) -> BenchError + '_ {
    move |e| BenchError::Baseline(format!("{what}: {e}"))
}

/// The `i`-th object to apply: ConfigMaps, Deployments and Services in turn.
pub fn apply_object(i: usize) -> Value {
    let name = format!("app-{i:05}");
    let meta =
        json!({"name": name, "namespace": NAMESPACE, "labels": {"app": name, "bench": "true"}});
    match i % 3 {
        0 => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {"LOG_LEVEL": "info", "REGION": "eu-west-1", "FEATURE_X": "on", "index": i.to_string()}}),
        1 => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                    "name": "app", "image": format!("registry.example.com/{name}:1.0"),
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "env": [{"name": "INDEX", "value": i.to_string()}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}}),
        _ => json!({"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
    }
}

fn config_map(i: usize) -> Result<DynamicObject, BenchError> {
    let value = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("cm-{i:05}"), "namespace": NAMESPACE},
        "data": {"index": i.to_string(), "payload": "x".repeat(64)}});
    serde_json::from_value(value).map_err(|e| BenchError::Generate(e.to_string()))
}

fn api_resource(object: &Value) -> ApiResource {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let kind = object["kind"].as_str().unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
    let plural = format!("{}s", kind.to_lowercase());
    ApiResource::from_gvk_with_plural(&gvk, &plural)
}

/// A fresh in-memory sandbox with the benchmark namespace.
async fn fresh(token: Option<String>) -> Result<Sandbox, BenchError> {
    let sandbox = match token {
        Some(token) => Sandbox::with_token(Clock::Real, token),
        None => Sandbox::new(),
    };
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(sandbox.client());
    let namespace = serde_json::from_value(json!({"metadata": {"name": NAMESPACE}}))
        .map_err(|e| BenchError::Generate(e.to_string()))?;
    namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .map_err(kube_error("create the namespace"))?;
    Ok(sandbox)
}

async fn create_config_maps(client: &kube::Client, count: usize) -> Result<(), BenchError> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        NAMESPACE,
        &api_resource(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
    );
    for i in 0..count {
        api.create(&PostParams::default(), &config_map(i)?)
            .await
            .map_err(kube_error("create"))?;
    }
    Ok(())
}

async fn apply_all(client: &kube::Client, objects: &[Value]) -> Result<(), BenchError> {
    let params = PatchParams::apply(MANAGER);
    for object in objects {
        let api: Api<DynamicObject> =
            Api::namespaced_with(client.clone(), NAMESPACE, &api_resource(object));
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        api.patch(name, &params, &Patch::Apply(object))
            .await
            .map_err(kube_error("server-side apply"))?;
    }
    Ok(())
}

/// A scratch directory removed when dropped.
pub(super) struct TempRoot(PathBuf);

impl TempRoot {
    pub(super) fn new() -> Result<Self, BenchError> {
        let dir =
            std::env::temp_dir().join(format!("plumb-bench-sandbox-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).map_err(|e| BenchError::io(&dir, e))?;
        Ok(Self(dir))
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sandbox served on loopback TLS for this process's runs; stops serving
/// when dropped.
pub(super) struct ServedSandbox {
    pub(super) kubeconfig: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for ServedSandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve_fresh(dir: &Path) -> Result<ServedSandbox, BenchError> {
    serve(&fresh(Some(kubeconfig::new_token())).await?, dir).await
}

/// Serves `sandbox`, writing its kubeconfig in `dir`.
pub(super) async fn serve(sandbox: &Sandbox, dir: &Path) -> Result<ServedSandbox, BenchError> {
    let (served, server) = crate::sandbox::serve::serve(sandbox, 0, dir.join("kubeconfig"))
        .await
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    Ok(ServedSandbox {
        kubeconfig: served.kubeconfig,
        server: tokio::spawn(server),
    })
}

pub(super) async fn client_for(kubeconfig: &Path) -> Result<kube::Client, BenchError> {
    let config = kube::config::Kubeconfig::read_from(kubeconfig)
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    kube::Client::try_from(config).map_err(kube_error("client"))
}

impl SandboxBench {
    /// Runs every measurement; needs no tokio runtime of its own.
    pub fn run(&self) -> Result<SandboxReport, BenchError> {
        super::runtime()?.block_on(self.run_async())
    }

    async fn run_async(&self) -> Result<SandboxReport, BenchError> {
        let root = TempRoot::new()?;
        // Memory first, before other runs leave freed pages behind.
        let memory = self.memory().await?;

        let mut create = Samples::default();
        let mut list = Samples::default();
        for _ in 0..self.runs.max(1) {
            let sandbox = fresh(None).await?;
            let client = sandbox.client();
            let started = Instant::now();
            create_config_maps(&client, self.objects).await?;
            create.push(started.elapsed());
            let cms: Api<DynamicObject> = Api::namespaced_with(
                client,
                NAMESPACE,
                &api_resource(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            );
            let started = Instant::now();
            let listed = cms
                .list(&ListParams::default())
                .await
                .map_err(kube_error("list"))?;
            list.push(started.elapsed());
            if listed.items.len() != self.objects {
                return Err(BenchError::Baseline(format!(
                    "listed {} of {} objects",
                    listed.items.len(),
                    self.objects
                )));
            }
        }

        let objects: Vec<Value> = (0..self.apply).map(apply_object).collect();
        let manifests = root.path().join("manifests");
        write_manifests(&manifests, &objects)?;
        let mut in_process = Samples::default();
        let mut loopback = Samples::default();
        let mut kubectl = Samples::default();
        for run in 0..self.runs.max(1) {
            let sandbox = fresh(None).await?;
            let started = Instant::now();
            apply_all(&sandbox.client(), &objects).await?;
            in_process.push(started.elapsed());

            let dir = root.path().join(format!("tls-{run}"));
            let served = serve_fresh(&dir).await?;
            let client = client_for(&served.kubeconfig).await?;
            let started = Instant::now();
            apply_all(&client, &objects).await?;
            loopback.push(started.elapsed());

            let dir = root.path().join(format!("kubectl-{run}"));
            let served = serve_fresh(&dir).await?;
            kubectl.push(
                self.kubectl_apply(&served.kubeconfig, &manifests, root.path())
                    .await?,
            );
        }
        let kubectl_summary = kubectl.summary();
        let floor = time_runs(self.runs, || {
            Command::new(&self.kubectl)
                .args(["version", "--client"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(drop)
                .map_err(|e| BenchError::io(&self.kubectl, e))
        })?
        .summary();
        let apply = self.apply;
        Ok(SandboxReport {
            objects: self.objects,
            apply,
            runs: self.runs.max(1),
            scenarios: vec![
                scenario(
                    format!("create {} ConfigMaps (kube-rs, in process)", self.objects),
                    &create,
                    None,
                ),
                scenario(
                    format!("list {} ConfigMaps (kube-rs, in process)", self.objects),
                    &list,
                    None,
                ),
                scenario(
                    format!("server-side apply {apply} (kube-rs, in process)"),
                    &in_process,
                    Some(kubectl_summary),
                ),
                scenario(
                    format!("server-side apply {apply} (kube-rs, loopback TLS)"),
                    &loopback,
                    Some(kubectl_summary),
                ),
            ],
            kubectl_floor: floor,
            memory,
        })
    }

    async fn memory(&self) -> Result<Memory, BenchError> {
        let sandbox = fresh(None).await?;
        let rss_before_kib = current_rss_kib();
        create_config_maps(&sandbox.client(), self.memory_objects).await?;
        Ok(Memory {
            objects: self.memory_objects,
            rss_before_kib,
            rss_after_kib: current_rss_kib(),
            peak_kib: peak_rss_kib(),
        })
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
            MANAGER,
            self.apply,
        )
        .await
    }
}

pub(super) fn scenario(name: String, plumb: &Samples, baseline: Option<Summary>) -> Scenario {
    let plumb = plumb.summary();
    let ratio = baseline
        .filter(|_| plumb.median_ms > 0.0)
        .map(|b| b.median_ms / plumb.median_ms);
    Scenario {
        name,
        plumb,
        baseline,
        ratio,
    }
}

/// One YAML file per object, as a repository would hold them.
pub(super) fn write_manifests(dir: &Path, objects: &[Value]) -> Result<(), BenchError> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    for object in objects {
        let name = object["metadata"]["name"].as_str().unwrap_or("object");
        let path = dir.join(format!("{name}.yaml"));
        let text =
            serde_yaml::to_string(object).map_err(|e| BenchError::Generate(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| BenchError::io(&path, e))?;
    }
    Ok(())
}
