//! `plumb app get / diff / resources` in process, against clusters made of
//! fixture objects (a fake `LiveSources`): the payments incident end to
//! end from Git to the printed diff and blame, Secret masking, trees, and
//! an unreachable destination next to a reachable one.

mod cli_support;

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;

use cli_support::GitRepo;
use plumb::cli::OutputFormat;
use plumb::cli::diff::{self, DiffArgs};
use plumb::cli::get::{self, Env, GetArgs};
use plumb::cli::live_source::{LiveSource, LiveSources};
use plumb::cli::resources::{self, ResourcesArgs};
use plumb::engine::settings::CompareSettings;
use plumb::model::{Destination, group_of, kind_of};
use plumb::source::workspace::{RootSpec, Workspace};
use serde_json::Value;

const REACHABLE: &str = "https://prod.example.com";

/// Clusters by server URL; any other server is unreachable.
struct FakeClusters {
    objects: Vec<Value>,
}

struct FakeCluster {
    objects: Vec<Value>,
}

impl LiveSources for FakeClusters {
    type Source = FakeCluster;

    fn resolve(&self, destination: &Destination) -> Result<FakeCluster, String> {
        match destination.server.as_deref() {
            Some(REACHABLE) => Ok(FakeCluster {
                objects: self.objects.clone(),
            }),
            other => Err(format!(
                "cluster {}: dial tcp: connection refused",
                other.unwrap_or("")
            )),
        }
    }
}

impl LiveSource for FakeCluster {
    fn label(&self) -> String {
        format!("prod ({REACHABLE})")
    }

    async fn scopes(&self) -> Result<HashMap<(String, String), bool>, String> {
        let kinds = [
            ("", "ConfigMap"),
            ("", "Secret"),
            ("", "Pod"),
            ("", "Event"),
            ("apps", "Deployment"),
            ("apps", "ReplicaSet"),
        ];
        Ok(kinds
            .iter()
            .map(|(g, k)| (((*g).to_owned(), (*k).to_owned()), true))
            .collect())
    }

    async fn list_live(&self, kinds: &[(String, String)]) -> Result<Vec<Value>, String> {
        Ok(self
            .objects
            .iter()
            .filter(|o| {
                kinds
                    .iter()
                    .any(|(g, k)| g == group_of(o) && k == kind_of(o))
            })
            .cloned()
            .collect())
    }

    async fn dry_run_apply(&self, object: &Value) -> Result<Value, String> {
        Err(format!("no dry run for {}", kind_of(object)))
    }
}

fn app(name: &str, server: &str, namespace: &str, path: &str, repo: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {repo}\n    targetRevision: HEAD\n    path: {path}\n  destination:\n    server: {server}\n    namespace: {namespace}\n"
    )
}

struct World {
    repo: GitRepo,
    cache: tempfile::TempDir,
    live: Vec<Value>,
}

/// A repo with three apps: payments-service and vault on the reachable
/// cluster, billing on an unreachable one; live state from the compare
/// fixture of the payments incident.
fn world() -> World {
    let fixture: Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/compare/payments_scale.yaml"),
        )
        .expect("fixture"),
    )
    .expect("fixture parses");
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    let desired = serde_yaml::to_string(&fixture["desired"][0]).expect("yaml");
    repo.write("deploy/deployment.yaml", &desired)
        .write(
            "vault/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: vault\ndata:\n  password: R2l0UGFzc3dvcmQ=\n",
        )
        .write(
            "billing/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rates\n  namespace: billing\ndata:\n  eur: '1'\n",
        )
        .write(
            "apps/payments.yaml",
            &app("payments-service", REACHABLE, "payments", "deploy", &url),
        )
        .write("apps/vault.yaml", &app("vault", REACHABLE, "vault", "vault", &url))
        .write(
            "apps/billing.yaml",
            &app("billing", "https://gone.example.com", "billing", "billing", &url),
        );
    repo.commit("apps");
    let mut live: Vec<Value> = fixture["live"].as_array().expect("live").clone();
    live.push(
        serde_yaml::from_str(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: vault\n  uid: s1\n  annotations:\n    plumb.dev/tracking-id: vault:/Secret:vault/db\ndata:\n  password: TGl2ZVBhc3N3b3Jk\ntype: Opaque\n",
        )
        .expect("secret"),
    );
    World {
        repo,
        cache: tempfile::tempdir().expect("tempdir"),
        live,
    }
}

struct Ran {
    code: ExitCode,
    out: String,
}

impl World {
    fn root(&self) -> RootSpec {
        RootSpec::Repo {
            repo: self.repo.url().to_owned(),
            revision: "HEAD".into(),
            path: "apps".into(),
        }
    }
}

macro_rules! with_env {
    ($world:expr, $env:ident, $body:block) => {{
        let workspace = Workspace::new($world.cache.path(), BTreeMap::new());
        let root = $world.root();
        let settings = CompareSettings::default();
        let clusters = FakeClusters {
            objects: $world.live.clone(),
        };
        let $env = Env {
            workspace: &workspace,
            root: &root,
            settings: &settings,
            clusters: &clusters,
        };
        $body
    }};
}

async fn get(world: &World, name: &str, output: OutputFormat) -> Ran {
    with_env!(world, env, {
        let mut out = Vec::new();
        let args = GetArgs {
            name: name.into(),
            output,
        };
        let code = get::run(&env, &args, &mut out).await.expect("get runs");
        Ran {
            code,
            out: String::from_utf8(out).expect("utf-8"),
        }
    })
}

async fn diff(world: &World, name: &str) -> Ran {
    with_env!(world, env, {
        let mut out = Vec::new();
        let args = DiffArgs {
            name: name.into(),
            server_side: false,
            output: OutputFormat::Table,
        };
        let code = diff::run(&env, &args, &mut out).await;
        Ran {
            code,
            out: String::from_utf8(out).expect("utf-8"),
        }
    })
}

#[tokio::test]
async fn get_shows_the_scaled_deployment_out_of_sync_and_healthy() {
    let world = world();
    let ran = get(&world, "payments-service", OutputFormat::Table).await;
    assert_eq!(ran.code, ExitCode::SUCCESS);
    assert!(
        ran.out
            .contains("Cluster:            prod (https://prod.example.com)"),
        "{}",
        ran.out
    );
    assert!(
        ran.out
            .contains("Sync Status:        OutOfSync from HEAD ("),
        "{}",
        ran.out
    );
    assert!(
        ran.out.contains("Health Status:      Healthy"),
        "{}",
        ran.out
    );
    let row = ran
        .out
        .lines()
        .find(|l| l.starts_with("apps"))
        .expect("a Deployment row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "apps",
            "Deployment",
            "payments",
            "payments",
            "OutOfSync",
            "Healthy"
        ]
    );

    let json = get(&world, "payments-service", OutputFormat::Json).await;
    let value: Value = serde_json::from_str(&json.out).expect("json");
    assert_eq!(value["status"]["sync"], "OutOfSync");
    assert_eq!(
        value["status"]["resources"][0]["changedPaths"][0],
        "spec.replicas"
    );
}

#[tokio::test]
async fn diff_prints_the_replicas_drift_its_blame_and_events() {
    let world = world();
    let ran = diff(&world, "payments-service").await;
    assert_eq!(ran.code, ExitCode::from(1), "{}", ran.out);
    let out = &ran.out;
    assert!(
        out.starts_with("===== apps/Deployment payments/payments =====\n"),
        "{out}"
    );
    assert!(
        out.contains("--- desired (Git)\n+++ live (cluster)\n"),
        "{out}"
    );
    assert!(out.contains("\n-  replicas: 3\n+  replicas: 5\n"), "{out}");
    assert!(
        out.contains("  spec.replicas 3 → 5, by kubectl (scale) at 14:02:11\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "  14:02:11 Normal ScalingReplicaSet: Scaled up replica set payments-7d4b9c8f6d to 5"
        ),
        "{out}"
    );
    let changed_lines = out
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .count();
    assert_eq!(changed_lines, 2, "only replicas differs: {out}");
}

#[tokio::test]
async fn secret_diffs_never_show_values() {
    let world = world();
    let ran = diff(&world, "vault").await;
    assert_eq!(ran.code, ExitCode::from(1), "{}", ran.out);
    assert!(
        ran.out.contains("===== /Secret vault/db ====="),
        "{}",
        ran.out
    );
    for secret in [
        "R2l0UGFzc3dvcmQ=",
        "TGl2ZVBhc3N3b3Jk",
        "GitPassword",
        "LivePassword",
    ] {
        assert!(!ran.out.contains(secret), "{secret} shown: {}", ran.out);
    }
    assert!(ran.out.contains("password"), "{}", ran.out);
}

#[tokio::test]
async fn unreachable_destination_is_unknown_while_other_apps_stay_correct() {
    let world = world();
    let ran = get(&world, "billing", OutputFormat::Table).await;
    assert!(
        ran.out.contains("Sync Status:        Unknown"),
        "{}",
        ran.out
    );
    assert!(ran.out.contains("Health Status:      Unknown (cluster https://gone.example.com: dial tcp: connection refused)"), "{}", ran.out);
    assert!(ran.out.contains("ComparisonError"), "{}", ran.out);
    assert_eq!(diff(&world, "billing").await.code, ExitCode::from(2));
    let payments = get(&world, "payments-service", OutputFormat::Json).await;
    let value: Value = serde_json::from_str(&payments.out).expect("json");
    assert_eq!(value["status"]["sync"], "OutOfSync");
    assert_eq!(value["status"]["health"]["status"], "Healthy");
}

#[tokio::test]
async fn unknown_apps_are_errors_and_diff_exits_2() {
    let world = world();
    assert_eq!(diff(&world, "nope").await.code, ExitCode::from(2));
}

#[tokio::test]
async fn resources_tree_shows_replica_sets_and_pods() {
    let world = world();
    with_env!(world, env, {
        let mut out = Vec::new();
        let args = ResourcesArgs {
            name: "payments-service".into(),
            tree: true,
            orphaned: false,
            output: OutputFormat::Table,
        };
        resources::run(&env, &args, &mut out)
            .await
            .expect("resources runs");
        let out = String::from_utf8(out).expect("utf-8");
        let column = out.find("KIND").expect("header");
        let kinds: Vec<&str> = out
            .lines()
            .skip(1)
            .map(|l| {
                let rest: String = l.chars().skip(column).collect();
                let kind = rest.split_whitespace().next().unwrap_or("").to_owned();
                match kind.as_str() {
                    "Deployment" => "Deployment",
                    "└─ReplicaSet" => "└─ReplicaSet",
                    "└─Pod" => "└─Pod",
                    _ => "?",
                }
            })
            .collect();
        assert_eq!(kinds, ["Deployment", "└─ReplicaSet", "└─Pod"], "{out}");
    });
}
