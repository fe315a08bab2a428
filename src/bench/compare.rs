//! `plumb bench compare`: comparing a fleet (apps × resources) on a warm
//! live index, side by side with `kubectl diff --server-side` over the same
//! objects against a served sandbox, and the p99 of text diffs of large,
//! fully rewritten ConfigMaps under the text-diff deadline.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use super::BenchError;
use super::measure::{Summary, time_runs};
use crate::engine::compare::{CompareInput, SyncStatus, compare_app};
use crate::engine::diff::{IgnoreRules, diff, text_diff};
use crate::engine::health::HealthConfig;
use crate::engine::live::LiveIndex;
use crate::engine::tracking::{TrackingMethod, instance_name, stamp};
use crate::model::{AppProject, Application};

/// Desired objects of generated apps: ConfigMaps, Services and Deployments
/// in turn, one namespace per app.
pub struct CompareFleet {
    pub apps: Vec<Application>,
    pub desired: Vec<Vec<Value>>,
}

fn namespace(app: usize) -> String {
    format!("bench-{app:04}")
}

fn object(kind: usize, name: &str) -> Value {
    match kind % 3 {
        0 => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"mode": "production", "replicas": "3", "endpoint": format!("https://{name}.example.com")}}),
        1 => json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        _ => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                        "ports": [{"containerPort": 8080}]}]}}}}),
    }
}

impl CompareFleet {
    pub fn generate(apps: usize, resources: usize) -> Result<Self, BenchError> {
        let mut fleet = CompareFleet {
            apps: Vec::new(),
            desired: Vec::new(),
        };
        for index in 0..apps {
            let app: Application = serde_json::from_value(json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": format!("app-{index:04}")},
                "spec": {"project": "default",
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace(index)}}
            }))
            .map_err(|e| BenchError::Generate(e.to_string()))?;
            let objects = (0..resources)
                .map(|r| object(r, &format!("res-{r:03}")))
                .collect();
            fleet.apps.push(app);
            fleet.desired.push(objects);
        }
        Ok(fleet)
    }

    /// The objects as a plumb sync applies them (tracking stamped, namespace
    /// set), namespaces first, as one YAML stream.
    pub fn manifests(&self) -> String {
        let mut out = String::new();
        for (app, objects) in self.apps.iter().zip(&self.desired) {
            let ns = app
                .spec
                .destination
                .as_ref()
                .map(|d| d.namespace_or_empty())
                .unwrap_or("");
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
            ));
            for object in objects {
                let mut object = object.clone();
                object["metadata"]["namespace"] = json!(ns);
                stamp(
                    &mut object,
                    &instance_name(app),
                    ns,
                    Some(true),
                    TrackingMethod::Plumb,
                );
                out.push_str("---\n");
                // A JSON value always serializes to YAML.
                out.push_str(&serde_yaml::to_string(&object).unwrap_or_default());
            }
        }
        out
    }

    /// Compares every app against `live`; returns how many are OutOfSync.
    pub fn compare_all(&self, live: &LiveIndex) -> usize {
        let project = AppProject::default_project();
        let rules = IgnoreRules::default();
        let health = HealthConfig::default();
        let scope = |_: &str, _: &str| Some(true);
        self.apps
            .iter()
            .zip(&self.desired)
            .filter(|(app, desired)| {
                let comparison = compare_app(&CompareInput {
                    app,
                    project: &project,
                    desired: Ok(desired.as_slice()),
                    revisions: Vec::new(),
                    scope: &scope,
                    live: Ok(live),
                    ignore: &rules,
                    health: &health,
                    tracking: TrackingMethod::Plumb,
                    predicted_live: None,
                });
                comparison.sync == SyncStatus::OutOfSync
            })
            .count()
    }
}

/// Text diffs of one large ConfigMap whose every line was rewritten.
#[derive(Debug, Clone, Serialize)]
pub struct TextDiffReport {
    pub lines: usize,
    pub samples: usize,
    pub deadline_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Samples the deadline cut short (coarser but correct diffs).
    pub cut_short: usize,
}

pub fn text_diff_p99(lines: usize, samples: usize, deadline: Duration) -> TextDiffReport {
    let text = |prefix: &str| -> String {
        (0..lines)
            .map(|i| format!("{prefix}-{i}: {}\n", i * 7919 % 104_729))
            .collect()
    };
    let configmap = |body: String| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "big", "namespace": "bench"}, "data": {"config.yaml": body}})
    };
    let desired = configmap(text("desired"));
    let live = configmap(text("rewritten"));
    let rules = IgnoreRules::default();
    let mut durations = Vec::new();
    let mut cut_short = 0;
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        if let Ok(result) = diff(Some(&desired), Some(&live), &rules) {
            cut_short += usize::from(text_diff(&result, deadline, 3).cut_short);
        }
        durations.push(started.elapsed());
    }
    durations.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p99 = durations[(durations.len() * 99).div_ceil(100).saturating_sub(1)];
    TextDiffReport {
        lines,
        samples: durations.len(),
        deadline_ms: ms(deadline),
        p99_ms: ms(p99),
        max_ms: durations.last().copied().map_or(0.0, ms),
        cut_short,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    pub apps: usize,
    pub resources: usize,
    pub runs: usize,
    /// Where the live objects came from: the served sandbox, or synthesized.
    pub live_source: String,
    pub out_of_sync_apps: usize,
    pub plumb: Summary,
    pub kubectl_diff: Option<Summary>,
    /// kubectl diff median over plumb median.
    pub ratio: Option<f64>,
    pub text_diff: TextDiffReport,
}

pub struct CompareBench {
    pub apps: usize,
    pub resources: usize,
    pub runs: usize,
    /// Compare with `kubectl diff` against a served sandbox when set.
    pub kubectl: Option<PathBuf>,
    pub configmap_lines: usize,
    pub text_diff_samples: usize,
    pub deadline: Duration,
}

impl CompareBench {
    pub fn run(&self) -> Result<CompareReport, BenchError> {
        let fleet = CompareFleet::generate(self.apps, self.resources)?;
        let manifests = fleet.manifests();
        let (live, kubectl_diff, live_source) = match &self.kubectl {
            Some(kubectl) => {
                let (live, samples) = served(kubectl, &manifests, self.runs)?;
                (
                    live,
                    Some(samples),
                    "sandbox (kubectl apply --server-side)".to_owned(),
                )
            }
            None => (synthesized(&manifests)?, None, "synthesized".to_owned()),
        };
        let index = LiveIndex::new(live.into_iter().map(Arc::new).collect());
        let mut out_of_sync = 0;
        let plumb = time_runs(self.runs, || {
            out_of_sync = fleet.compare_all(&index);
            Ok::<(), BenchError>(())
        })?
        .summary();
        let ratio = kubectl_diff
            .filter(|_| plumb.median_ms > 0.0)
            .map(|k: Summary| k.median_ms / plumb.median_ms);
        Ok(CompareReport {
            apps: self.apps,
            resources: self.resources,
            runs: self.runs,
            live_source,
            out_of_sync_apps: out_of_sync,
            plumb,
            kubectl_diff,
            ratio,
            text_diff: text_diff_p99(self.configmap_lines, self.text_diff_samples, self.deadline),
        })
    }
}

fn parse_stream(manifests: &str) -> Result<Vec<Value>, BenchError> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(manifests)
        .map(|doc| Value::deserialize(doc).map_err(|e| BenchError::Generate(e.to_string())))
        .filter(|v| !matches!(v, Ok(Value::Null)))
        .collect()
}

/// Live objects without a server: the applied objects with a uid.
fn synthesized(manifests: &str) -> Result<Vec<Value>, BenchError> {
    let mut objects = parse_stream(manifests)?;
    for (i, object) in objects.iter_mut().enumerate() {
        object["metadata"]["uid"] = json!(format!("uid-{i}"));
    }
    Ok(objects)
}

/// Serves an in-memory sandbox, applies the fleet with kubectl, reads it
/// back, and times `kubectl diff --server-side` over the same file.
fn served(
    kubectl: &Path,
    manifests: &str,
    runs: usize,
) -> Result<(Vec<Value>, Summary), BenchError> {
    use crate::sandbox::clock::Clock;
    use crate::sandbox::{Sandbox, kubeconfig, serve::serve};
    let dir = ScratchDir(
        std::env::temp_dir().join(format!("plumb-bench-compare-{}", uuid::Uuid::new_v4())),
    );
    std::fs::create_dir_all(dir.path()).map_err(|e| BenchError::io(dir.path(), e))?;
    let file = dir.path().join("fleet.yaml");
    std::fs::write(&file, manifests).map_err(|e| BenchError::io(&file, e))?;
    let runtime = super::runtime()?;
    let _entered = runtime.enter();
    let sandbox = Sandbox::with_token(Clock::Real, kubeconfig::new_token());
    let (served, server) = runtime
        .block_on(serve(&sandbox, 0, dir.path().join("kubeconfig")))
        .map_err(|e| BenchError::Baseline(e.to_string()))?;
    runtime.spawn(server);
    let run = |args: &[&str]| -> Result<(i32, String), BenchError> {
        let out = Command::new(kubectl)
            .args(args)
            .env("KUBECONFIG", &served.kubeconfig)
            .env("KUBECACHEDIR", dir.path().join("kubecache"))
            .output()
            .map_err(|e| BenchError::io(kubectl, e))?;
        let code = out.status.code().unwrap_or(-1);
        if code > 1 || (code == 1 && args[0] != "diff") {
            return Err(BenchError::Baseline(format!(
                "kubectl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok((code, String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let path = file.display().to_string();
    run(&[
        "apply",
        "--server-side",
        "--field-manager",
        "plumb",
        "-f",
        &path,
    ])?;
    let (_, listed) = run(&[
        "get",
        "configmaps,services,deployments.apps",
        "-A",
        "-o",
        "json",
        "--show-managed-fields",
    ])?;
    let listed: Value =
        serde_json::from_str(&listed).map_err(|e| BenchError::Baseline(e.to_string()))?;
    let live = listed["items"].as_array().cloned().unwrap_or_default();
    let samples = time_runs(runs, || {
        run(&[
            "diff",
            "--server-side",
            "--field-manager",
            "plumb",
            "-f",
            &path,
        ])
        .map(drop)
    })?;
    Ok((live, samples.summary()))
}

/// A directory removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_synthesized_fleet_compares_synced_until_an_object_drifts() {
        let fleet = CompareFleet::generate(3, 4).unwrap();
        let mut live = synthesized(&fleet.manifests()).unwrap();
        assert_eq!(live.len(), 3 * (4 + 1));
        let index = LiveIndex::new(live.iter().cloned().map(Arc::new).collect());
        assert_eq!(fleet.compare_all(&index), 0);
        let drifted = live.iter_mut().find(|o| o["kind"] == "Deployment").unwrap();
        drifted["spec"]["replicas"] = json!(7);
        let index = LiveIndex::new(live.into_iter().map(Arc::new).collect());
        assert_eq!(fleet.compare_all(&index), 1);
    }

    #[test]
    fn text_diff_report_counts_every_sample() {
        let report = text_diff_p99(50, 4, Duration::from_secs(5));
        assert_eq!(report.samples, 4);
        assert!(report.p99_ms <= report.max_ms);
        assert!(report.cut_short <= report.samples);
    }
}
