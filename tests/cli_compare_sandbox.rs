//! End to end against `plumb sandbox serve`: objects applied by hand with
//! kubectl (as a plumb sync would apply them) show Synced; `kubectl scale`
//! and `kubectl patch` make them OutOfSync with the right diff and blame; an
//! unreachable destination is Unknown while the other app stays correct.
//! The binary reaches the sandbox through the cluster adapter with
//! `KUBECONFIG` set to the served sandbox's kubeconfig.

mod cli_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use cli_support::{GitRepo, Home, Run, Server, serve};
use plumb::engine::tracking::{TrackingMethod, instance_name, stamp};
use plumb::model::{Application, group_of, kind_of};
use plumb::source::render::is_cluster_scoped;
use serde_json::Value;

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn kubectl(kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", kubeconfig.with_file_name("kubecache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("kubectl output");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
spec:
  replicas: 3
  selector:
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
      - name: payments
        image: ghcr.io/acme-corp/payments:4f2a9c1
---
apiVersion: v1
kind: Service
metadata:
  name: payments
spec:
  selector: {app: payments}
  ports:
  - port: 80
    targetPort: 8080
";

fn app(name: &str, destination: &str, repo: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {repo}\n    targetRevision: HEAD\n    path: deploy\n  destination:\n    {destination}\n    namespace: payments\n"
    )
}

struct Setup {
    server: Server,
    home: Home,
    repo: GitRepo,
}

impl Setup {
    fn plumb(&self, args: &[&str]) -> Run {
        let mut full = vec!["--repo", self.repo.url(), "--path", "apps"];
        full.extend_from_slice(args);
        let output = self
            .home
            .command(&full)
            .env("KUBECONFIG", &self.server.kubeconfig)
            .output()
            .expect("plumb runs");
        Run::from(output)
    }
}

/// The sandbox with the payments app applied as a plumb sync would apply
/// it: `plumb app manifests`, stamped with tracking, server-side applied
/// with field manager plumb.
fn setup() -> Setup {
    let server = serve();
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    repo.write("deploy/payments.yaml", DEPLOYMENT)
        .write(
            "apps/payments.yaml",
            &app("payments", "server: https://kubernetes.default.svc", &url),
        )
        .write(
            "apps/stranded.yaml",
            &app("stranded", "name: no-such-context", &url),
        );
    repo.commit("payments");
    let setup = Setup {
        server,
        home: Home::new(),
        repo,
    };
    let manifests = setup.plumb(&["app", "manifests", "payments", "-o", "json"]);
    assert_eq!(manifests.code, Some(0), "{}", manifests.stderr);
    let application: Application =
        serde_yaml::from_str(&app("payments", "server: x", &url)).expect("application parses");
    let mut objects: Vec<Value> = serde_json::from_str(&manifests.stdout).expect("json");
    let mut stamped = String::new();
    for object in &mut objects {
        let namespaced = !is_cluster_scoped(group_of(object), kind_of(object));
        stamp(
            object,
            &instance_name(&application),
            "payments",
            Some(namespaced),
            TrackingMethod::Plumb,
        );
        stamped.push_str("---\n");
        stamped.push_str(&serde_yaml::to_string(object).expect("yaml"));
    }
    let kubeconfig = &setup.server.kubeconfig;
    kubectl(kubeconfig, &["create", "namespace", "payments"], None);
    kubectl(
        kubeconfig,
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "plumb",
            "-n",
            "payments",
            "-f",
            "-",
        ],
        Some(&stamped),
    );
    setup
}

#[test]
fn hand_applied_objects_are_synced_until_kubectl_scales_them() {
    if !kubectl_available() {
        return;
    }
    let setup = setup();
    let get = setup.plumb(&["app", "get", "payments", "-o", "json"]);
    assert_eq!(get.code, Some(0), "{}", get.stderr);
    let status: Value = serde_json::from_str(&get.stdout).expect("json");
    assert_eq!(status["status"]["sync"], "Synced", "{}", get.stdout);
    assert_eq!(setup.plumb(&["app", "diff", "payments"]).code, Some(0));
    let server_side = setup.plumb(&["app", "diff", "payments", "--server-side"]);
    assert_eq!(
        server_side.code,
        Some(0),
        "{}{}",
        server_side.stdout,
        server_side.stderr
    );

    kubectl(
        &setup.server.kubeconfig,
        &[
            "-n",
            "payments",
            "scale",
            "deployment/payments",
            "--replicas=5",
        ],
        None,
    );
    let diff = setup.plumb(&["app", "diff", "payments"]);
    assert_eq!(diff.code, Some(1), "{}", diff.stderr);
    assert!(
        diff.stdout
            .starts_with("===== apps/Deployment payments/payments =====\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("-  replicas: 3\n+  replicas: 5\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("spec.replicas 3 → 5, by kubectl (scale) at "),
        "{}",
        diff.stdout
    );
    let server_side = setup.plumb(&["app", "diff", "payments", "--server-side"]);
    assert_eq!(server_side.code, Some(1), "{}", server_side.stderr);
    assert!(
        server_side
            .stdout
            .contains("-  replicas: 3\n+  replicas: 5\n"),
        "{}",
        server_side.stdout
    );
}

#[test]
fn kubectl_patch_drift_is_blamed_on_kubectl_patch() {
    if !kubectl_available() {
        return;
    }
    let setup = setup();
    kubectl(
        &setup.server.kubeconfig,
        &[
            "-n",
            "payments",
            "patch",
            "service/payments",
            "--type=merge",
            "-p",
            r#"{"spec":{"ports":[{"port":80,"targetPort":9090}]}}"#,
        ],
        None,
    );
    let get = setup.plumb(&["app", "get", "payments", "-o", "json"]);
    let status: Value = serde_json::from_str(&get.stdout).expect("json");
    assert_eq!(status["status"]["sync"], "OutOfSync", "{}", get.stdout);
    let diff = setup.plumb(&["app", "diff", "payments"]);
    assert_eq!(diff.code, Some(1), "{}", diff.stderr);
    assert!(
        diff.stdout
            .contains("===== /Service payments/payments ====="),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("by kubectl-patch"), "{}", diff.stdout);
}

#[test]
fn an_unreachable_destination_is_unknown_and_the_other_app_stays_synced() {
    if !kubectl_available() {
        return;
    }
    let setup = setup();
    let stranded = setup.plumb(&["app", "get", "stranded", "-o", "json"]);
    let status: Value = serde_json::from_str(&stranded.stdout).expect("json");
    assert_eq!(status["status"]["sync"], "Unknown", "{}", stranded.stdout);
    assert_eq!(status["status"]["health"]["status"], "Unknown");
    assert_eq!(setup.plumb(&["app", "diff", "stranded"]).code, Some(2));
    let payments = setup.plumb(&["app", "get", "payments", "-o", "json"]);
    let status: Value = serde_json::from_str(&payments.stdout).expect("json");
    assert_eq!(status["status"]["sync"], "Synced", "{}", payments.stdout);
}

/// The same commands in process, reading the sandbox through kubectl
/// (`kubectl get -A -o json`, and `kubectl apply --dry-run=server` for the
/// server-side diff) instead of the cluster adapter.
mod through_kubectl {
    use std::collections::{BTreeMap, HashMap};
    use std::path::PathBuf;
    use std::process::ExitCode;

    use plumb::cli::OutputFormat;
    use plumb::cli::diff::{self, DiffArgs};
    use plumb::cli::get::{Env, load};
    use plumb::cli::live_source::{LiveSource, LiveSources};
    use plumb::engine::compare::SyncStatus;
    use plumb::engine::settings::CompareSettings;
    use plumb::model::{Destination, ResourceKey};
    use plumb::source::workspace::{RootSpec, Workspace};
    use serde_json::Value;

    use super::{Setup, kubectl, setup};

    struct Kubectl {
        kubeconfig: PathBuf,
    }

    impl LiveSources for Kubectl {
        type Source = Kubectl;

        fn resolve(&self, destination: &Destination) -> Result<Kubectl, String> {
            match destination.server.as_deref() {
                Some("https://kubernetes.default.svc") => Ok(Kubectl {
                    kubeconfig: self.kubeconfig.clone(),
                }),
                _ => Err("context \"no-such-context\" not found in the kubeconfig".into()),
            }
        }
    }

    const KINDS: [(&str, &str, &str); 6] = [
        ("", "Service", "services"),
        ("", "Pod", "pods"),
        ("", "Event", "events"),
        ("apps", "Deployment", "deployments.apps"),
        ("apps", "ReplicaSet", "replicasets.apps"),
        ("", "ConfigMap", "configmaps"),
    ];

    impl LiveSource for Kubectl {
        fn label(&self) -> String {
            "sandbox".into()
        }

        async fn scopes(&self) -> Result<HashMap<(String, String), bool>, String> {
            Ok(KINDS
                .iter()
                .map(|(g, k, _)| (((*g).to_owned(), (*k).to_owned()), true))
                .collect())
        }

        async fn list_live(&self, kinds: &[(String, String)]) -> Result<Vec<Value>, String> {
            let resources: Vec<&str> = KINDS
                .iter()
                .filter(|(g, k, _)| kinds.iter().any(|(wg, wk)| wg == g && wk == k))
                .map(|(_, _, plural)| *plural)
                .collect();
            let out = kubectl(
                &self.kubeconfig,
                &[
                    "get",
                    &resources.join(","),
                    "-A",
                    "-o",
                    "json",
                    "--show-managed-fields",
                ],
                None,
            );
            let list: Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
            Ok(list["items"].as_array().cloned().unwrap_or_default())
        }

        async fn dry_run_apply(&self, object: &Value) -> Result<Value, String> {
            let out = kubectl(
                &self.kubeconfig,
                &[
                    "apply",
                    "--server-side",
                    "--dry-run=server",
                    "--field-manager",
                    "plumb",
                    "--force-conflicts",
                    "--show-managed-fields",
                    "-o",
                    "json",
                    "-f",
                    "-",
                ],
                Some(&object.to_string()),
            );
            serde_json::from_str(&out).map_err(|e| e.to_string())
        }
    }

    fn run<T>(setup: &Setup, body: impl AsyncFnOnce(&Env<'_, Kubectl>) -> T) -> T {
        let cache = tempfile::tempdir().expect("tempdir");
        let workspace = Workspace::new(cache.path(), BTreeMap::new());
        let root = RootSpec::Repo {
            repo: setup.repo.url().to_owned(),
            revision: "HEAD".into(),
            path: "apps".into(),
        };
        let settings = CompareSettings::default();
        let clusters = Kubectl {
            kubeconfig: setup.server.kubeconfig.clone(),
        };
        let env = Env {
            workspace: &workspace,
            root: &root,
            settings: &settings,
            clusters: &clusters,
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(body(&env))
    }

    fn deployment() -> ResourceKey {
        ResourceKey::new("apps", "Deployment", "payments", "payments")
    }

    #[test]
    fn hand_applied_objects_are_synced_then_scale_drift_is_blamed_on_kubectl() {
        if !super::kubectl_available() {
            return;
        }
        let setup = setup();
        let loaded = run(&setup, async |env| {
            load(env, "payments", false).await.expect("load")
        });
        let comparison = &loaded.comparison;
        assert_eq!(
            comparison.sync,
            SyncStatus::Synced,
            "{:#?}",
            comparison.resources
        );
        assert_eq!(comparison.resources.len(), 2);
        let server_side = run(&setup, async |env| {
            load(env, "payments", true).await.expect("load")
        });
        assert_eq!(
            server_side.comparison.sync,
            SyncStatus::Synced,
            "{:#?}",
            server_side.comparison.resources
        );

        kubectl(
            &setup.server.kubeconfig,
            &[
                "-n",
                "payments",
                "scale",
                "deployment/payments",
                "--replicas=5",
            ],
            None,
        );
        let loaded = run(&setup, async |env| {
            load(env, "payments", false).await.expect("load")
        });
        let comparison = &loaded.comparison;
        assert_eq!(comparison.sync, SyncStatus::OutOfSync);
        let resource = comparison.resource(&deployment()).expect("deployment");
        assert_eq!(resource.changed_paths, ["spec.replicas"]);
        let blame = &resource.blame[0];
        assert_eq!(blame.manager.as_deref(), Some("kubectl"), "{blame:?}");
        assert_eq!(blame.subresource.as_deref(), Some("scale"), "{blame:?}");
        assert!(
            blame
                .text
                .starts_with("spec.replicas 3 → 5, by kubectl (scale) at "),
            "{}",
            blame.text
        );
        let synced_service = comparison
            .resource(&ResourceKey::new("", "Service", "payments", "payments"))
            .expect("service");
        assert_eq!(synced_service.status, Some(SyncStatus::Synced));

        let server_side = run(&setup, async |env| {
            load(env, "payments", true).await.expect("load")
        });
        let resource = server_side
            .comparison
            .resource(&deployment())
            .expect("deployment");
        assert_eq!(resource.status, Some(SyncStatus::OutOfSync));
        assert_eq!(resource.changed_paths, ["spec.replicas"]);

        let mut out = Vec::new();
        let code = run(&setup, async |env| {
            let args = DiffArgs {
                name: "payments".into(),
                server_side: false,
                output: OutputFormat::Table,
            };
            diff::run(env, &args, &mut out).await
        });
        assert_eq!(code, ExitCode::from(1));
        let out = String::from_utf8(out).expect("utf-8");
        assert!(out.contains("-  replicas: 3\n+  replicas: 5\n"), "{out}");
    }

    #[test]
    fn kubectl_patch_drift_is_blamed_on_kubectl_patch() {
        if !super::kubectl_available() {
            return;
        }
        let setup = setup();
        kubectl(
            &setup.server.kubeconfig,
            &[
                "-n",
                "payments",
                "patch",
                "service/payments",
                "--type=merge",
                "-p",
                r#"{"spec":{"ports":[{"port":80,"targetPort":9090}]}}"#,
            ],
            None,
        );
        let loaded = run(&setup, async |env| {
            load(env, "payments", false).await.expect("load")
        });
        let service = loaded
            .comparison
            .resource(&ResourceKey::new("", "Service", "payments", "payments"))
            .expect("service");
        assert_eq!(service.status, Some(SyncStatus::OutOfSync));
        assert!(!service.blame.is_empty(), "{service:?}");
        for line in &service.blame {
            assert!(line.path.starts_with("spec.ports"), "{}", line.text);
            assert_eq!(
                line.manager.as_deref(),
                Some("kubectl-patch"),
                "{}",
                line.text
            );
        }
        let deployment = loaded
            .comparison
            .resource(&deployment())
            .expect("deployment");
        assert_eq!(deployment.status, Some(SyncStatus::Synced));
    }

    #[test]
    fn an_unreachable_destination_is_unknown_and_the_other_app_stays_synced() {
        if !super::kubectl_available() {
            return;
        }
        let setup = setup();
        let stranded = run(&setup, async |env| {
            load(env, "stranded", false).await.expect("load")
        });
        assert_eq!(stranded.comparison.sync, SyncStatus::Unknown);
        assert_eq!(stranded.comparison.health.status.as_str(), "Unknown");
        assert!(
            stranded
                .comparison
                .health
                .message
                .contains("no-such-context")
        );
        let payments = run(&setup, async |env| {
            load(env, "payments", false).await.expect("load")
        });
        assert_eq!(payments.comparison.sync, SyncStatus::Synced);
    }
}
