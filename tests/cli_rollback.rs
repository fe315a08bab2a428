//! `plumb app rollback`, `sync --revision` and `sync --async` end to end
//! against `plumb sandbox serve`: preview, confirmation, history growth,
//! the auto-sync rule, and a rollback while Git is unreachable.

mod cli_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cli_support::{GitRepo, Home, Run, Server, serve};

fn manifests(mode: &str) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: payments-config
data:
  mode: {mode}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
spec:
  replicas: 2
  selector:
    matchLabels: {{app: payments}}
  template:
    metadata:
      labels: {{app: payments}}
    spec:
      containers:
      - name: payments
        image: ghcr.io/acme-corp/payments:4f2a9c1
"
    )
}

fn application(repo: &str, automated: bool) -> String {
    let automated = if automated { "    automated: {}\n" } else { "" };
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: payments\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {repo}\n    targetRevision: HEAD\n    path: deploy\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: payments\n  syncPolicy:\n{automated}    syncOptions:\n    - CreateNamespace=true\n"
    )
}

struct Setup {
    server: Server,
    home: Home,
    repo: GitRepo,
    /// Where the repository is read from (moved away to make Git unreachable).
    url: String,
    /// The two commits: `mode: live`, then `mode: canary`.
    commits: [String; 2],
}

impl Setup {
    /// Two commits of the app, each synced: history holds entries 0 and 1.
    fn synced_twice(automated: bool) -> Setup {
        let repo = GitRepo::new();
        let url = repo.url().to_owned();
        repo.write("deploy/payments.yaml", &manifests("live"))
            .write("apps/payments.yaml", &application(&url, automated));
        let first = repo.commit("payments: live mode").to_string();
        let setup = Setup {
            server: serve(),
            home: Home::new(),
            repo,
            url,
            commits: [first, String::new()],
        };
        setup.plumb(&["app", "sync", "payments"]).assert_success();
        setup
            .repo
            .write("deploy/payments.yaml", &manifests("canary"));
        let second = setup.repo.commit("payments: canary mode").to_string();
        setup.plumb(&["app", "sync", "payments"]).assert_success();
        Setup {
            commits: [setup.commits[0].clone(), second],
            ..setup
        }
    }

    fn plumb(&self, args: &[&str]) -> Run {
        let mut full = vec!["--repo", self.url.as_str(), "--path", "apps"];
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

    fn history_rows(&self) -> Vec<String> {
        let run = self.plumb(&["app", "history", "payments"]);
        run.assert_success();
        run.stdout.lines().skip(1).map(str::to_owned).collect()
    }

    /// The live ConfigMap's `data.mode`, read with kubectl.
    fn live_mode(&self) -> String {
        let output = Command::new("kubectl")
            .args([
                "get",
                "configmap",
                "payments-config",
                "-n",
                "payments",
                "-o",
                "jsonpath={.data.mode}",
            ])
            .env("KUBECONFIG", &self.server.kubeconfig)
            .output()
            .expect("kubectl runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

fn short(sha: &str) -> &str {
    &sha[..8]
}

#[test]
fn rollback_previews_asks_applies_and_grows_history() {
    let setup = Setup::synced_twice(false);
    assert_eq!(setup.live_mode(), "canary");

    let unconfirmed = setup.plumb(&["app", "rollback", "payments"]);
    unconfirmed.assert_failure();
    unconfirmed.assert_stderr_has(&["stdin is not a terminal", "--yes"]);
    for expected in [
        "Rollback of payments to 0 (",
        "Test Author: payments: live mode",
        "1 resource(s) would change",
        "===== /ConfigMap payments/payments-config =====",
        "--- desired (Git)",
        "-  mode: live",
        "+  mode: canary",
        "(hooks skipped)",
    ] {
        assert!(
            unconfirmed.stdout.contains(expected),
            "no {expected:?} in\n{}",
            unconfirmed.stdout
        );
    }
    assert_eq!(setup.live_mode(), "canary", "nothing was written");
    assert_eq!(setup.history_rows().len(), 2);

    let done = setup.plumb(&["app", "rollback", "payments", "0", "--yes"]);
    done.assert_success();
    assert!(
        done.stdout.contains("Operation Succeeded"),
        "{}",
        done.stdout
    );
    assert_eq!(setup.live_mode(), "live");
    let rows = setup.history_rows();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[2].starts_with('2'), "{}", rows[2]);
    assert!(rows[2].contains(short(&setup.commits[0])), "{}", rows[2]);
    assert!(
        rows[2].contains("Test Author") && rows[2].contains("payments: live mode"),
        "{}",
        rows[2]
    );
    assert!(rows[1].contains("payments: canary mode"), "{}", rows[1]);
}

#[test]
fn rollback_is_refused_while_auto_sync_is_on_unless_it_turns_it_off() {
    let setup = Setup::synced_twice(true);
    let refused = setup.plumb(&["app", "rollback", "payments", "--yes"]);
    refused.assert_failure();
    refused.assert_stderr_has(&["rollback cannot be initiated when auto-sync is enabled"]);
    assert_eq!(setup.live_mode(), "canary");

    let done = setup.plumb(&[
        "app",
        "rollback",
        "payments",
        "--disable-auto-sync",
        "--yes",
    ]);
    done.assert_success();
    assert!(
        done.stdout
            .contains("Automated sync of payments is off (rollback to 0 by ana@"),
        "{}",
        done.stdout
    );
    assert_eq!(setup.live_mode(), "live");
    // The pause is stored: a later rollback needs no flag.
    setup
        .plumb(&["app", "rollback", "payments", "1", "--yes"])
        .assert_success();
    assert_eq!(setup.live_mode(), "canary");
    assert_eq!(setup.history_rows().len(), 4);
}

#[test]
fn sync_to_a_revision_renders_and_records_it() {
    let setup = Setup::synced_twice(false);
    let run = setup.plumb(&["app", "sync", "payments", "--revision", &setup.commits[0]]);
    run.assert_success();
    assert_eq!(setup.live_mode(), "live");
    let rows = setup.history_rows();
    assert_eq!(rows.len(), 3);
    assert!(rows[2].contains(short(&setup.commits[0])), "{}", rows[2]);

    let unknown = setup.plumb(&["app", "sync", "payments", "--revision", "no-such-branch"]);
    unknown.assert_failure();
    assert!(
        format!("{}{}", unknown.stdout, unknown.stderr).contains("no-such-branch"),
        "{unknown:#?}"
    );
}

#[test]
fn async_sync_returns_once_started_and_wait_sees_it_finish() {
    let setup = Setup::synced_twice(false);
    setup.repo.write("deploy/payments.yaml", &manifests("dark"));
    setup.repo.commit("payments: dark mode");
    let started = setup.plumb(&["app", "sync", "payments", "--async"]);
    started.assert_success();
    assert!(
        started
            .stdout
            .contains("Operation started in the background by ana@"),
        "{}",
        started.stdout
    );
    setup
        .plumb(&["app", "wait", "payments", "--sync", "--timeout", "60"])
        .assert_success();
    assert_eq!(setup.live_mode(), "dark");
    // The background process records its entry once it finishes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while setup.history_rows().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the background sync recorded no history"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(setup.history_rows()[2].contains("payments: dark mode"));
}

#[test]
fn rollback_works_while_git_is_unreachable() {
    let setup = Setup::synced_twice(false);
    let away = PathBuf::from(format!("{}-away", setup.url));
    std::fs::rename(&setup.url, &away).expect("move the repository away");
    let done = setup.plumb(&["app", "rollback", "payments", "--yes"]);
    std::fs::rename(&away, &setup.url).expect("move the repository back");
    done.assert_success();
    assert_eq!(setup.live_mode(), "live");
    assert_eq!(setup.history_rows().len(), 3);
}
