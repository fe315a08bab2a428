//! The ApplicationSet fleet benchmark: a 200-folder repository and one
//! ApplicationSet (a matrix of a git-directories generator and a 10-element
//! list) giving 2,000 apps, listed by the real `plumb` binary with a cold and
//! a warm cache. The baseline lists the same 2,000 apps written out as plain
//! Application files, so the ratio is what generation costs over hand-written
//! manifests, end to end, as a user waits for the first listing.

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{Repository, Signature};

use super::BenchError;
use super::measure::{Summary, time_runs};

pub struct AppsetBench {
    pub dirs: usize,
    pub envs: usize,
    pub runs: usize,
    /// The plumb binary to run (usually the current executable).
    pub plumb: PathBuf,
}

pub struct AppsetReport {
    pub apps: usize,
    pub runs: usize,
    pub scenarios: Vec<AppsetScenario>,
}

pub struct AppsetScenario {
    pub name: &'static str,
    pub plumb: Summary,
    pub baseline: Summary,
}

impl AppsetScenario {
    pub fn ratio(&self) -> f64 {
        if self.plumb.median_ms > 0.0 {
            self.baseline.median_ms / self.plumb.median_ms
        } else {
            0.0
        }
    }
}

impl AppsetBench {
    pub fn run(&self) -> Result<AppsetReport, BenchError> {
        let work = tempfile::tempdir().map_err(|e| BenchError::io(Path::new("tempdir"), e))?;
        let repo = work.path().join("fleet");
        self.generate(&repo)?;
        let mut scenarios = Vec::new();
        for (name, warm) in [("cold (empty cache)", false), ("warm (cache kept)", true)] {
            let plumb = self.time_listing(&repo, "appsets", work.path(), warm)?;
            let baseline = self.time_listing(&repo, "plain", work.path(), warm)?;
            scenarios.push(AppsetScenario {
                name,
                plumb,
                baseline,
            });
        }
        Ok(AppsetReport {
            apps: self.dirs * self.envs,
            runs: self.runs,
            scenarios,
        })
    }

    fn time_listing(
        &self,
        repo: &Path,
        root: &str,
        work: &Path,
        warm: bool,
    ) -> Result<Summary, BenchError> {
        let home = work.join(format!("home-{root}"));
        let expected = self.dirs * self.envs;
        let list = || -> Result<(), BenchError> {
            if !warm {
                let _ = std::fs::remove_dir_all(&home);
            }
            let output = Command::new(&self.plumb)
                .args(["app", "list", "-o", "json", "--path", root, "--repo"])
                .arg(repo)
                .env("PLUMB_HOME", &home)
                .output()
                .map_err(|e| BenchError::io(&self.plumb, e))?;
            let listed: Vec<serde_json::Value> =
                serde_json::from_slice(&output.stdout).map_err(|e| {
                    BenchError::Generate(format!("plumb app list printed no JSON: {e}"))
                })?;
            if listed.len() < expected {
                return Err(BenchError::Generate(format!(
                    "plumb listed {} apps under {root}, expected {expected}: {}",
                    listed.len(),
                    String::from_utf8_lossy(&output.stderr)
                )));
            }
            Ok(())
        };
        if warm {
            list()?;
        }
        Ok(time_runs(self.runs, list)?.summary())
    }

    fn generate(&self, path: &Path) -> Result<(), BenchError> {
        let url = path.display().to_string();
        let write = |rel: String, text: String| -> Result<(), BenchError> {
            let file = path.join(rel);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| BenchError::io(parent, e))?;
            }
            std::fs::write(&file, text).map_err(|e| BenchError::io(&file, e))
        };
        for d in 0..self.dirs {
            write(
                format!("apps/svc-{d:03}/configmap.yaml"),
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc-{d:03}\ndata:\n  owner: team-{}\n",
                    d % 7
                ),
            )?;
            for e in 0..self.envs {
                write(
                    format!("plain/svc-{d:03}-env-{e}.yaml"),
                    application(&url, d, e),
                )?;
            }
        }
        let envs: String = (0..self.envs)
            .map(|e| format!("                - env: env-{e}\n"))
            .collect();
        write(
            "appsets/fleet.yaml".to_owned(),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: fleet\n  namespace: argocd\nspec:\n  generators:\n    - matrix:\n        generators:\n          - git:\n              repoURL: {url}\n              revision: HEAD\n              directories:\n                - path: apps/*\n          - list:\n              elements:\n{envs}  template:\n    metadata:\n      name: '{{{{path.basename}}}}-{{{{env}}}}'\n    spec:\n      project: default\n      source:\n        repoURL: {url}\n        path: '{{{{path}}}}'\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{{{env}}}}'\n"
            ),
        )?;
        commit_all(path)
    }
}

fn application(url: &str, dir: usize, env: usize) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: svc-{dir:03}-env-{env}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {url}\n    path: apps/svc-{dir:03}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: env-{env}\n"
    )
}

fn commit_all(path: &Path) -> Result<(), BenchError> {
    let repo = Repository::init(path)?;
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let who = Signature::now("plumb bench", "bench@plumb.invalid")?;
    repo.commit(Some("HEAD"), &who, &who, "fleet", &tree, &[])?;
    Ok(())
}
