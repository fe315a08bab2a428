//! A generated GitOps repository for benchmarks: many apps of a fixed size,
//! Kustomize (a base and an overlay using the common transformers and both
//! patch styles) and plain YAML, with one Application manifest each.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};

use super::BenchError;
use crate::model::{Application, Manifest, parse_documents};

/// Which kind of apps the fleet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FleetKind {
    Kustomize,
    Plain,
    /// Half Kustomize, half plain (alternating).
    Mixed,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FleetSpec {
    pub apps: usize,
    pub objects: usize,
    pub kind: FleetKind,
}

/// One app of the fleet as generated.
#[derive(Debug, Clone)]
pub struct FleetApp {
    pub application: Application,
    pub kustomize: bool,
    /// Repository-relative folder the app renders (the overlay for Kustomize).
    pub path: String,
}

/// The fleet's Git repository, removed when dropped.
pub struct Fleet {
    pub dir: PathBuf,
    pub apps: Vec<FleetApp>,
    git: Repository,
    revision: usize,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Fleet {
    /// Writes the fleet into a new directory under `parent` and commits it.
    pub fn generate(spec: FleetSpec, parent: &Path) -> Result<Fleet, BenchError> {
        let dir = parent.join(format!("plumb-bench-fleet-{}", uuid::Uuid::new_v4()));
        let mut init = RepositoryInitOptions::new();
        init.initial_head("main");
        let git = Repository::init_opts(&dir, &init)?;
        let url = dir.display().to_string();
        let mut fleet = Fleet {
            dir,
            apps: Vec::with_capacity(spec.apps),
            git,
            revision: 0,
        };
        for index in 0..spec.apps {
            let kustomize = match spec.kind {
                FleetKind::Kustomize => true,
                FleetKind::Plain => false,
                FleetKind::Mixed => index % 2 == 0,
            };
            let name = format!("app-{index:04}");
            let path = if kustomize {
                fleet.write_kustomize_app(&name, spec.objects)?
            } else {
                fleet.write_plain_app(&name, spec.objects)?
            };
            let manifest_file = format!("argocd/{name}.yaml");
            let text = application_yaml(&name, &url, &path);
            fleet.write(&manifest_file, &text)?;
            let application = parse_application(&manifest_file, &text)?;
            fleet.apps.push(FleetApp {
                application,
                kustomize,
                path,
            });
        }
        fleet.commit("generate fleet")?;
        Ok(fleet)
    }

    /// The repository URL the Applications use (a local path).
    pub fn url(&self) -> String {
        self.dir.display().to_string()
    }

    /// Commits a change to one app's own files (its overlay's image tag, or
    /// a ConfigMap value of a plain app) and returns the new commit.
    pub fn touch_app(&mut self, index: usize) -> Result<Oid, BenchError> {
        self.revision += 1;
        let app = &self.apps[index % self.apps.len()];
        let (file, text) = if app.kustomize {
            (
                format!("{}/kustomization.yaml", app.path),
                overlay_kustomization(
                    &app.application.metadata.name,
                    &format!("1.{}", self.revision),
                ),
            )
        } else {
            (
                format!("{}/object-00.yaml", app.path),
                plain_object(&app.application.metadata.name, 0, self.revision),
            )
        };
        self.write(&file, &text)?;
        self.commit(&format!("touch {file}"))
    }

    fn write_kustomize_app(&self, name: &str, objects: usize) -> Result<String, BenchError> {
        let base = format!("apps/{name}/base");
        let mut resources = String::from("resources:\n");
        for n in 0..objects.max(1) {
            let file = format!("object-{n:02}.yaml");
            let _ = writeln!(resources, "  - {file}");
            self.write(&format!("{base}/{file}"), &base_object(name, n))?;
        }
        self.write(&format!("{base}/kustomization.yaml"), &resources)?;
        let overlay = format!("apps/{name}/overlays/production");
        self.write(
            &format!("{overlay}/kustomization.yaml"),
            &overlay_kustomization(name, "1.0"),
        )?;
        self.write(&format!("{overlay}/replicas.yaml"), STRATEGIC_PATCH)?;
        Ok(overlay)
    }

    fn write_plain_app(&self, name: &str, objects: usize) -> Result<String, BenchError> {
        let path = format!("apps/{name}");
        for n in 0..objects.max(1) {
            self.write(
                &format!("{path}/object-{n:02}.yaml"),
                &plain_object(name, n, 0),
            )?;
        }
        Ok(path)
    }

    fn write(&self, relative: &str, text: &str) -> Result<(), BenchError> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| BenchError::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| BenchError::io(&path, e))
    }

    fn commit(&self, message: &str) -> Result<Oid, BenchError> {
        let mut index = self.git.index()?;
        index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = self.git.find_tree(index.write_tree()?)?;
        let who = Signature::now("plumb bench", "bench@plumb.invalid")?;
        let parent = self.git.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        Ok(self
            .git
            .commit(Some("HEAD"), &who, &who, message, &tree, &parents)?)
    }
}

fn parse_application(file: &str, text: &str) -> Result<Application, BenchError> {
    let (manifests, diagnostics) = parse_documents(file, text);
    match manifests.into_iter().next() {
        Some((Manifest::Application(app), _)) if diagnostics.is_empty() => Ok(app),
        _ => Err(BenchError::Generate(format!(
            "{file}: generated Application does not load: {diagnostics:?}"
        ))),
    }
}

fn application_yaml(name: &str, url: &str, path: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {url}
    targetRevision: HEAD
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {name}
"
    )
}

/// Object 0 is a Deployment (patched by the overlay), 1 a Service, the rest
/// ConfigMaps (object 2 gets the JSON 6902 patch).
fn base_object(app: &str, n: usize) -> String {
    match n {
        0 => format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
        - name: main
          image: registry.example.com/{app}:0.1
          ports:
            - containerPort: 8080
"
        ),
        1 => format!(
            "apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app: {app}
  ports:
    - port: 80
      targetPort: 8080
"
        ),
        _ => config_map(app, n, 0),
    }
}

fn config_map(app: &str, n: usize, revision: usize) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-config-{n:02}
data:
  index: \"{n}\"
  revision: \"{revision}\"
  settings.yaml: |
    feature: enabled
    level: {n}
"
    )
}

fn plain_object(app: &str, n: usize, revision: usize) -> String {
    config_map(app, n, revision)
}

const STRATEGIC_PATCH: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: any
spec:
  replicas: 3
";

fn overlay_kustomization(app: &str, tag: &str) -> String {
    format!(
        "resources:
  - ../../base
namePrefix: prod-
commonLabels:
  env: production
  team: platform
images:
  - name: registry.example.com/{app}
    newTag: \"{tag}\"
patches:
  - path: replicas.yaml
    target:
      kind: Deployment
  - target:
      kind: ConfigMap
      name: \".*-config-02\"
    patch: |-
      - op: add
        path: /data/patched
        value: \"true\"
"
    )
}
