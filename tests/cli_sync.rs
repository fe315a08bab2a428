//! `plumb app sync | history | freeze | unfreeze | set` end to end against
//! `plumb sandbox serve`, with history and runtime state read back from the
//! cluster by a separate plumb process.

mod cli_support;

use cli_support::{GitRepo, Home, Run, Server, serve};

const MANIFESTS: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: payments-config
data:
  mode: live
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
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
      - name: payments
        image: ghcr.io/acme-corp/payments:4f2a9c1
";

fn application(repo: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: payments\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {repo}\n    targetRevision: HEAD\n    path: deploy\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: payments\n  syncPolicy:\n    syncOptions:\n    - CreateNamespace=true\n"
    )
}

struct Setup {
    server: Server,
    home: Home,
    repo: GitRepo,
}

impl Setup {
    fn new() -> Setup {
        let repo = GitRepo::new();
        let url = repo.url().to_owned();
        repo.write("deploy/payments.yaml", MANIFESTS)
            .write("apps/payments.yaml", &application(&url));
        repo.commit("payments");
        Setup {
            server: serve(),
            home: Home::new(),
            repo,
        }
    }

    fn plumb(&self, args: &[&str]) -> Run {
        let mut full = vec!["--repo", self.repo.url(), "--path", "apps"];
        full.extend_from_slice(args);
        let output = self
            .home
            .command(&full)
            .env("KUBECONFIG", &self.server.kubeconfig)
            .env("USER", "ana")
            .output()
            .expect("plumb runs");
        Run::from(output)
    }
}

fn history_rows(run: &Run) -> Vec<String> {
    run.stdout.lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn sync_prints_plan_and_progress_and_history_is_shared() {
    let setup = Setup::new();
    let first = setup.plumb(&["app", "sync", "payments"]);
    assert_eq!(first.code, Some(0), "{}\n{}", first.stdout, first.stderr);
    for expected in [
        "Op: 3 create, 0 delete, 0 update",
        "PreSync wave 0: namespace/payments created",
        "Sync wave 0:",
        "Sync wave 1:",
        "configmap/payments-config created",
        "deployment.apps/payments created",
        "Operation Succeeded",
    ] {
        assert!(
            first.stdout.contains(expected),
            "no {expected:?} in\n{}",
            first.stdout
        );
    }

    let wait = setup.plumb(&["app", "wait", "payments", "--sync", "--timeout", "60"]);
    assert_eq!(wait.code, Some(0), "{}\n{}", wait.stdout, wait.stderr);
    assert!(
        wait.stdout.starts_with("payments: Synced and "),
        "{}",
        wait.stdout
    );
    let idle = setup.plumb(&["app", "terminate-op", "payments"]);
    assert_ne!(idle.code, Some(0));
    assert!(
        idle.stderr
            .contains("no operation is running for application payments"),
        "{}",
        idle.stderr
    );

    let history = setup.plumb(&["app", "history", "payments"]);
    assert_eq!(history.code, Some(0), "{}", history.stderr);
    assert!(history.stdout.starts_with("ID"), "{}", history.stdout);
    let rows = history_rows(&history);
    assert_eq!(rows.len(), 1, "{}", history.stdout);
    assert!(
        rows[0].starts_with('0') && rows[0].contains("Succeeded"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("ana@"), "{}", rows[0]);

    // A second sync re-applies; history grows by exactly one. The namespace
    // exists now, so CreateNamespace has nothing to do (as in Argo CD).
    let second = setup.plumb(&["app", "sync", "payments", "--prune"]);
    assert_eq!(second.code, Some(0), "{}\n{}", second.stdout, second.stderr);
    assert!(
        !second.stdout.contains("namespace/payments"),
        "no namespace task for a live namespace:\n{}",
        second.stdout
    );
    let rows = history_rows(&setup.plumb(&["app", "history", "payments"]));
    assert_eq!(rows.len(), 2);
    assert!(rows[1].starts_with('1'), "{}", rows[1]);

    // A dry run and a selective sync record nothing.
    let dry = setup.plumb(&["app", "sync", "payments", "--dry-run"]);
    assert_eq!(dry.code, Some(0), "{}\n{}", dry.stdout, dry.stderr);
    assert!(dry.stdout.contains("(dry run)"), "{}", dry.stdout);
    let selective = setup.plumb(&[
        "app",
        "sync",
        "payments",
        "--resource",
        ":ConfigMap:payments-config",
    ]);
    assert_eq!(
        selective.code,
        Some(0),
        "{}\n{}",
        selective.stdout,
        selective.stderr
    );
    assert!(
        !selective.stdout.contains("deployment.apps/payments"),
        "{}",
        selective.stdout
    );
    assert_eq!(
        history_rows(&setup.plumb(&["app", "history", "payments"])).len(),
        2
    );

    let unknown = setup.plumb(&[
        "app",
        "sync",
        "payments",
        "--resource",
        "apps:Deployment:nope",
    ]);
    assert_ne!(unknown.code, Some(0));
    assert!(
        unknown
            .stderr
            .contains("the application has no such resource"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn freeze_unfreeze_and_set_are_stored() {
    let setup = Setup::new();
    let froze = setup.plumb(&["app", "freeze", "payments", "--reason", "incident 42"]);
    assert_eq!(froze.code, Some(0), "{}", froze.stderr);
    assert_eq!(
        froze.stdout.trim(),
        "froze application payments: incident 42"
    );
    let all = setup.plumb(&["app", "freeze", "--all", "--reason", "change freeze"]);
    assert_eq!(all.stdout.trim(), "froze all applications: change freeze");
    let thawed = setup.plumb(&["app", "unfreeze", "payments"]);
    assert_eq!(thawed.stdout.trim(), "unfroze application payments");

    let set = setup.plumb(&["app", "set", "payments", "--auto-sync", "off"]);
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    assert_eq!(
        set.stdout.trim(),
        "payments: auto-sync off, self-heal as in Git"
    );
    let set = setup.plumb(&["app", "set", "payments", "--self-heal", "on"]);
    assert_eq!(set.stdout.trim(), "payments: auto-sync off, self-heal on");
    let nothing = setup.plumb(&["app", "set", "payments"]);
    assert_ne!(nothing.code, Some(0));
}
