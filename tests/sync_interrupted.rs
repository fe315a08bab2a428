//! A `plumb app sync` killed (SIGKILL) mid-operation against `plumb sandbox
//! serve`: its lease keeps others out until it expires (`PLUMB_LEASE_SECONDS`
//! shortens it here), then history shows the operation as interrupted exactly
//! once and the next sync succeeds.

mod cli_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::{GitRepo, Home, Run, serve};

/// A PreSync hook Job that runs for seconds: the sync waits on it.
const MANIFESTS: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: registry.example.com/migrate:1.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  k: v
";

const LEASE_SECONDS: u64 = 5;

fn application(repo: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: orders\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {repo}\n    targetRevision: HEAD\n    path: deploy\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: orders\n  syncPolicy:\n    syncOptions:\n    - CreateNamespace=true\n"
    )
}

fn plumb(home: &Home, repo: &GitRepo, kubeconfig: &std::path::Path, user: &str) -> Command {
    let mut command = home.command(&["--repo", repo.url(), "--path", "apps"]);
    command
        .env("KUBECONFIG", kubeconfig)
        .env("USER", user)
        .env("PLUMB_LEASE_SECONDS", LEASE_SECONDS.to_string());
    command
}

/// Runs plumb to its end, killing it after a minute so a hung sync fails
/// the test instead of stalling it (plumb's output here is small enough
/// for the pipes).
fn run(mut command: Command, args: &[&str]) -> Run {
    let mut child = command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("plumb runs");
    let started = std::time::Instant::now();
    while child.try_wait().expect("poll plumb").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill a hung plumb");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("plumb ends");
    Run::from(output)
}

fn history_rows(run: &Run) -> Vec<String> {
    run.stdout.lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn a_killed_sync_is_shown_interrupted_once_and_the_next_sync_runs_after_its_lease() {
    let server = serve();
    let home = Home::new();
    let repo = GitRepo::new();
    repo.write("deploy/orders.yaml", MANIFESTS)
        .write("apps/orders.yaml", &application(repo.url()));
    repo.commit("orders");
    let kubeconfig = server.kubeconfig.as_path();

    let mut killed = plumb(&home, &repo, kubeconfig, "ana")
        .args(["app", "sync", "orders"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn plumb app sync");
    let stdout = killed.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let waiting = line.contains("job.batch/migrate created");
        seen.push(line);
        if waiting {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("job.batch/migrate created")),
        "the sync reached the running hook: {seen:?}"
    );
    assert!(
        !seen.iter().any(|l| l.starts_with("Operation ")),
        "still running: {seen:?}"
    );
    let killed_pid = killed.id();
    killed.kill().expect("SIGKILL");
    killed.wait().expect("reaped");

    // Right away the dead plumb's lease still holds, even against another
    // plumb of the same user on the same host.
    let refused = run(
        plumb(&home, &repo, kubeconfig, "ana"),
        &["app", "sync", "orders"],
    );
    assert_ne!(refused.code, Some(0), "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("operation in progress, held by ana@"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&format!("(pid {killed_pid})")),
        "the holder names the dead process: {}",
        refused.stderr
    );

    std::thread::sleep(Duration::from_secs(LEASE_SECONDS + 1));
    let history = run(
        plumb(&home, &repo, kubeconfig, "bo"),
        &["app", "history", "orders"],
    );
    assert_eq!(history.code, Some(0), "{}", history.stderr);
    let rows = history_rows(&history);
    assert_eq!(rows.len(), 1, "{}", history.stdout);
    assert!(rows[0].starts_with('0'), "{}", rows[0]);
    assert!(
        rows[0].contains("ana@"),
        "initiated by the killed plumb: {}",
        rows[0]
    );
    assert!(
        rows[0].contains("Error")
            && rows[0].contains("operation interrupted")
            && rows[0].contains("lease expired"),
        "{}",
        rows[0]
    );
    let again = run(
        plumb(&home, &repo, kubeconfig, "bo"),
        &["app", "history", "orders"],
    );
    assert_eq!(history_rows(&again), rows, "recorded once");

    let next = run(
        plumb(&home, &repo, kubeconfig, "bo"),
        &["app", "sync", "orders"],
    );
    assert_eq!(next.code, Some(0), "{}\n{}", next.stdout, next.stderr);
    assert!(
        next.stdout.contains("Operation Succeeded"),
        "{}",
        next.stdout
    );
    let rows = history_rows(&run(
        plumb(&home, &repo, kubeconfig, "bo"),
        &["app", "history", "orders"],
    ));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains("operation interrupted"), "{}", rows[0]);
    assert!(
        rows[1].starts_with('1') && rows[1].contains("Succeeded") && rows[1].contains("bo@"),
        "{}",
        rows[1]
    );
}
