//! The render benchmark: plumb's workspace rendering a generated fleet, cold,
//! warm and after a one-app commit, against the real tools run directly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Serialize;

use super::BenchError;
use super::baseline;
use super::fleet::{Fleet, FleetSpec};
use super::measure::{Samples, Summary, peak_rss_kib, time_runs};
use crate::model::Application;
use crate::source::render::{KustomizeTool, RenderOptions};
use crate::source::workspace::Workspace;

#[derive(Debug, Clone)]
pub struct RenderBench {
    pub fleet: FleetSpec,
    pub runs: usize,
    pub threads: usize,
    /// kubectl for the baseline.
    pub kubectl: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct RenderReport {
    pub fleet: FleetSpec,
    pub runs: usize,
    pub threads: usize,
    /// The Kustomize tool plumb runs (`kubectl kustomize` or `kustomize build`).
    pub plumb_kustomize: String,
    /// Objects rendered per pass over the fleet (the same on both sides).
    pub objects: usize,
    pub scenarios: Vec<ScenarioResult>,
    /// `kubectl version --client`: the cost of starting kubectl at all.
    pub kubectl_floor: Summary,
    /// Peak resident memory of the plumb process over the whole benchmark.
    pub peak_rss_kib: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioResult {
    pub name: &'static str,
    pub plumb: Summary,
    pub baseline: Summary,
    /// Baseline median / plumb median: above 1 means plumb is faster.
    pub ratio: f64,
}

/// A directory removed when dropped.
struct TempRoot(PathBuf);

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl RenderBench {
    pub fn run(&self) -> Result<RenderReport, BenchError> {
        let root =
            TempRoot(std::env::temp_dir().join(format!("plumb-bench-{}", uuid::Uuid::new_v4())));
        std::fs::create_dir_all(&root.0).map_err(|e| BenchError::io(&root.0, e))?;
        let mut fleet = Fleet::generate(self.fleet, &root.0)?;
        let apps: Vec<Application> = fleet.apps.iter().map(|a| a.application.clone()).collect();

        // Baseline and cold runs alternate so both see the same machine load.
        let cache = root.0.join("cache");
        let mut baseline_samples = Samples::default();
        let mut cold = Samples::default();
        let mut workspace = None;
        for _ in 0..self.runs.max(1) {
            let started = Instant::now();
            let objects =
                baseline::render_fleet(&fleet.dir, &fleet.apps, &self.kubectl, self.threads)?;
            baseline_samples.push(started.elapsed());
            let _ = std::fs::remove_dir_all(&cache);
            let fresh = self.workspace(&cache, &fleet)?;
            cold.push(self.timed_render(&fresh, &apps, objects)?);
            workspace = Some((fresh, objects));
        }
        let baseline = baseline_samples.summary();
        let Some((workspace, objects)) = workspace else {
            return Err(BenchError::Generate("--runs must be at least 1".into()));
        };

        let warm_memory = time_runs(self.runs, || {
            self.timed_render(&workspace, &apps, objects).map(drop)
        })?;
        let mut warm_disk = Samples::default();
        for _ in 0..self.runs.max(1) {
            let restarted = self.workspace(&cache, &fleet)?;
            warm_disk.push(self.timed_render(&restarted, &apps, objects)?);
        }
        let mut one_changed = Samples::default();
        for run in 0..self.runs.max(1) {
            fleet.touch_app(run)?;
            workspace.forget_fetches();
            one_changed.push(self.timed_render(&workspace, &apps, objects)?);
        }

        let kubectl_floor = time_runs(self.runs, || {
            Command::new(&self.kubectl)
                .args(["version", "--client"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(drop)
                .map_err(|e| BenchError::io(&self.kubectl, e))
        })?
        .summary();

        let scenario = |name, plumb: &Samples| {
            let plumb = plumb.summary();
            ScenarioResult {
                name,
                plumb,
                baseline,
                ratio: if plumb.median_ms > 0.0 {
                    baseline.median_ms / plumb.median_ms
                } else {
                    0.0
                },
            }
        };
        Ok(RenderReport {
            fleet: self.fleet,
            runs: self.runs.max(1),
            threads: self.threads,
            plumb_kustomize: describe_kustomize(&cache),
            objects,
            scenarios: vec![
                scenario("cold (empty cache)", &cold),
                scenario("warm (same process)", &warm_memory),
                scenario("warm (new process, disk cache)", &warm_disk),
                scenario("one app changed (new commit)", &one_changed),
            ],
            kubectl_floor,
            peak_rss_kib: peak_rss_kib(),
        })
    }

    /// A new workspace over `cache` with the fleet cloned and its head
    /// exported, so timings measure rendering rather than the first clone.
    fn workspace(&self, cache: &Path, fleet: &Fleet) -> Result<Workspace, BenchError> {
        let workspace = Workspace::new(cache, BTreeMap::new());
        let repo = workspace.repo(&fleet.url())?;
        repo.export(repo.resolve("HEAD")?, cache)?;
        Ok(workspace)
    }

    /// Renders every app once; fails unless all render and the object count
    /// matches the baseline's.
    fn timed_render(
        &self,
        workspace: &Workspace,
        apps: &[Application],
        expected_objects: usize,
    ) -> Result<std::time::Duration, BenchError> {
        let started = Instant::now();
        let results = workspace.render_all(apps, false, self.threads);
        let elapsed = started.elapsed();
        let mut objects = 0;
        for (app, result) in apps.iter().zip(results) {
            let rendered = result.map_err(|e| BenchError::Render {
                app: app.metadata.name.clone(),
                message: e.to_string(),
            })?;
            objects += rendered.objects.len();
        }
        if objects != expected_objects {
            return Err(BenchError::Render {
                app: "the fleet".into(),
                message: format!(
                    "{objects} objects rendered, the baseline produced {expected_objects}"
                ),
            });
        }
        Ok(elapsed)
    }
}

fn describe_kustomize(cache: &Path) -> String {
    match RenderOptions::from_path(cache).kustomize {
        Some(KustomizeTool::Kubectl(path)) => format!("{} kustomize", path.display()),
        Some(KustomizeTool::Standalone(path)) => format!("{} build", path.display()),
        None => "none found".into(),
    }
}
