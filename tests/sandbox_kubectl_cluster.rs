//! The real kubectl against `plumb sandbox serve` with its controllers
//! running on the real clock: rollouts complete, pods run or crash-loop, and
//! cascading deletes remove what the controllers made.

mod sandbox_support;

use std::time::{Duration, Instant};

use sandbox_support::{Server, kubectl_available, start};

fn deployment(name: &str, image: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: {image}
"
    )
}

/// Repeats `kubectl args` until its output satisfies `done` (the cluster
/// converges on its own clock); the last output is returned either way.
fn eventually(server: &Server, args: &[&str], done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = server.ok(args);
        if done(&out) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The rows of `kubectl get pods` for a label selector, as (ready, status).
fn pod_rows(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            Some((cols.get(1)?.to_string(), cols.get(2)?.to_string()))
        })
        .collect()
}

fn all_running(table: &str, count: usize) -> bool {
    let rows = pod_rows(table);
    rows.len() == count
        && rows
            .iter()
            .all(|(ready, status)| ready == "1/1" && status == "Running")
}

#[test]
fn kubectl_sees_rollouts_scaling_crash_loops_and_cascading_deletes() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    let applied = server.apply_stdin(&["apply", "-f", "-"], &deployment("web", "nginx:1.25", 2));
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );

    let waited = server.ok(&[
        "wait",
        "--for=condition=Available",
        "deploy/web",
        "--timeout=60s",
    ]);
    assert_eq!(waited.trim(), "deployment.apps/web condition met");
    let rollout = server.ok(&["rollout", "status", "deploy/web", "--timeout=60s"]);
    assert!(
        rollout.contains("deployment \"web\" successfully rolled out"),
        "{rollout}"
    );
    let pods = eventually(&server, &["get", "pods", "-l", "app=web"], |t| {
        all_running(t, 2)
    });
    assert!(all_running(&pods, 2), "{pods}");

    server.ok(&["scale", "deploy/web", "--replicas=3"]);
    let pods = eventually(&server, &["get", "pods", "-l", "app=web"], |t| {
        all_running(t, 3)
    });
    assert!(all_running(&pods, 3), "{pods}");
    let ready = eventually(
        &server,
        &[
            "get",
            "deploy/web",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ],
        |r| r == "3",
    );
    assert_eq!(ready, "3");

    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n";
    assert!(
        server
            .apply_stdin(&["apply", "-f", "-"], service)
            .status
            .success()
    );
    let three_addresses = |t: &str| {
        t.lines()
            .nth(1)
            .and_then(|row| row.split_whitespace().nth(1))
            .is_some_and(|cell| {
                cell.split(',')
                    .filter(|a| a.starts_with("10.244.") && a.ends_with(":8080"))
                    .count()
                    == 3
            })
    };
    let endpoints = eventually(&server, &["get", "endpoints", "web"], three_addresses);
    assert!(three_addresses(&endpoints), "{endpoints}");

    let applied = server.apply_stdin(
        &["apply", "-f", "-"],
        &deployment("broken", "acme/crashloop:1", 1),
    );
    assert!(applied.status.success());
    let crashing = eventually(&server, &["get", "pods", "-l", "app=broken"], |t| {
        pod_rows(t)
            .iter()
            .any(|(_, status)| status == "CrashLoopBackOff")
    });
    assert_eq!(
        pod_rows(&crashing).first().map(|r| r.1.as_str()),
        Some("CrashLoopBackOff"),
        "{crashing}"
    );

    let deleted = server.ok(&["delete", "deploy/web", "--cascade=background"]);
    assert_eq!(deleted.trim(), "deployment.apps \"web\" deleted");
    let gone = |t: &str| t.trim().is_empty();
    let rs = eventually(&server, &["get", "rs", "-l", "app=web", "-o", "name"], gone);
    assert!(gone(&rs), "replica sets left: {rs}");
    let pods = eventually(
        &server,
        &["get", "pods", "-l", "app=web", "-o", "name"],
        gone,
    );
    assert!(gone(&pods), "pods left: {pods}");
}
