//! Shared helpers for the end-to-end CLI tests: run the real `plumb` binary
//! with its own `PLUMB_HOME`, build Git repositories with git2, run the real
//! tools for reference output, and compare YAML.
#![allow(dead_code)] // each test file uses a different subset

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use plumb::model::Object;

#[path = "../real_tools/mod.rs"]
mod real_tools;
#[allow(unused_imports)] // each test file uses a different subset
pub use real_tools::{documents, run_tool, with_namespace};

pub const PLUMB: &str = env!("CARGO_BIN_EXE_plumb");

/// One `PLUMB_HOME` for a test; removed when dropped.
pub struct Home {
    pub dir: tempfile::TempDir,
}

/// What one run of plumb did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Reads a finished plumb's output; fails the test if it panicked.
    pub fn from(output: Output) -> Self {
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        run.assert_no_panic();
        run
    }

    pub fn assert_no_panic(&self) {
        for text in [&self.stdout, &self.stderr] {
            assert!(
                !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
                "plumb panicked:\n{self:#?}"
            );
        }
    }

    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "plumb failed:\n{self:#?}");
        self
    }

    pub fn assert_failure(&self) -> &Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "plumb should have failed:\n{self:#?}"
        );
        self
    }

    /// Asserts stderr mentions every fragment.
    pub fn assert_stderr_has(&self, fragments: &[&str]) -> &Self {
        for fragment in fragments {
            assert!(
                self.stderr.contains(fragment),
                "stderr lacks {fragment:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The demo repository plumb writes on first use.
    pub fn demo_repo(&self) -> PathBuf {
        self.path().join("data/demo/gitops-manifests")
    }

    pub fn write_settings(&self, toml: &str) {
        let dir = self.path().join("config");
        std::fs::create_dir_all(&dir).expect("mkdir config");
        std::fs::write(dir.join("settings.toml"), toml).expect("write settings");
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(PLUMB);
        command
            .args(args)
            .env("PLUMB_HOME", self.path())
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("plumb runs"))
    }

    /// Names of the apps `plumb app list -o json` prints.
    pub fn app_names(&self, args: &[&str]) -> Vec<String> {
        let mut full = vec!["app", "list", "-o", "json"];
        full.extend_from_slice(args);
        let run = self.run(&full);
        names(&run.json())
    }
}

pub fn names(apps: &serde_json::Value) -> Vec<String> {
    apps.as_array()
        .expect("a JSON array")
        .iter()
        .map(|app| app["name"].as_str().expect("name").to_owned())
        .collect()
}

/// A Git repository in a temp dir, written and committed with git2.
pub struct GitRepo {
    pub dir: tempfile::TempDir,
    pub git: git2::Repository,
}

impl GitRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let git = git2::Repository::init_opts(dir.path(), &opts).expect("git init");
        GitRepo { dir, git }
    }

    pub fn url(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }

    pub fn write(&self, path: &str, text: &str) -> &Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
        self
    }

    pub fn commit(&self, message: &str) -> git2::Oid {
        let mut index = self.git.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.update_all(["*"], None).expect("update");
        index.write().expect("write index");
        let tree = self
            .git
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let signature = git2::Signature::now("Test Author", "author@example.com").expect("sig");
        let parent = self.git.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.git
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .expect("commit")
    }
}

/// An Application manifest for a path of the repository at `repo`.
pub fn application(name: &str, repo: &str, path: &str, extra_source: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {repo}
    targetRevision: HEAD
    path: {path}
{extra_source}  destination:
    server: https://kubernetes.default.svc
    namespace: {name}
"
    )
}

/// `kind/name` of each object, for readable assertion messages.
pub fn keys(objects: &[Object]) -> Vec<String> {
    objects
        .iter()
        .map(|o| format!("{}/{}", plumb::model::kind_of(o), plumb::model::name_of(o)))
        .collect()
}

/// `plumb sandbox serve` in its own PLUMB_HOME, killed when dropped.
pub struct Server {
    child: std::process::Child,
    pub kubeconfig: PathBuf,
    _home: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve() -> Server {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "serve"])
        .env("PLUMB_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn plumb");
    let stdout = child.stdout.take().expect("stdout");
    let kubeconfig = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("kubeconfig: ").map(PathBuf::from))
        .expect("serve printed the kubeconfig path");
    Server {
        child,
        kubeconfig,
        _home: home,
    }
}

/// A ConfigMap named `name`, as the ApplicationSet fixtures deploy.
pub fn web_config_map(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{greeting: hello}}\n"
    )
}

/// The `web` ApplicationSet: a list generator over `elements` (a YAML
/// list of `{env: ...}`), `applicationsSync: policy`, apps deploying `path`.
pub fn web_appset(url: &str, path: &str, policy: &str, elements: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: web, namespace: argocd}}
spec:
  generators:
    - list:
        elements: {elements}
  syncPolicy:
    applicationsSync: {policy}
    preserveResourcesOnDeletion: true
  template:
    metadata: {{name: 'web-{{{{env}}}}'}}
    spec:
      project: default
      source: {{repoURL: '{url}', targetRevision: HEAD, path: {path}}}
      destination: {{server: https://kubernetes.default.svc, namespace: web}}
      syncPolicy: {{syncOptions: [CreateNamespace=true]}}
"
    )
}
