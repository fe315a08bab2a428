//! The real kubectl against `plumb sandbox serve`: the client nobody here
//! wrote must work as it does against a real cluster.

mod sandbox_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sandbox_support::{kubectl_available, kubectl_in, start};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.25
";

#[test]
fn kubectl_get_apply_scale_patch_edit_delete() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    let ns = server.ok(&["get", "namespaces"]);
    assert!(
        ns.lines()
            .next()
            .is_some_and(|h| h.split_whitespace().collect::<Vec<_>>() == ["NAME", "STATUS", "AGE"]),
        "{ns}"
    );
    assert!(ns.contains("kube-system"));

    let out = server.apply_stdin(&["apply", "--server-side", "-f", "-"], DEPLOYMENT);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("deployment.apps/web serverside-applied")
    );

    let table = server.ok(&["get", "deploy"]);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("web") && l.contains("0/2")),
        "{table}"
    );

    server.ok(&["scale", "deploy", "web", "--replicas=4"]);
    assert_eq!(
        server.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "4"
    );

    server.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":3}}"#,
    ]);
    server.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":5}]"#,
    ]);
    server.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "strategic",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.26"}]}}}}"#,
    ]);
    assert_eq!(
        server.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"
        ]),
        "5 nginx:1.26"
    );

    let yaml = server.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "yaml",
        "--show-managed-fields",
    ]);
    assert!(
        yaml.contains("managedFields:") && yaml.contains("manager: kubectl-patch"),
        "{yaml}"
    );
    assert!(yaml.contains("progressDeadlineSeconds: 600"));

    let out = server.apply_stdin(&["apply", "-f", "-"], DEPLOYMENT);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let annotations = server.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.annotations}",
    ]);
    assert!(annotations.contains("kubectl.kubernetes.io/last-applied-configuration"));

    let diff = server.apply_stdin(
        &["diff", "-f", "-"],
        &DEPLOYMENT.replace("nginx:1.25", "nginx:1.28"),
    );
    assert_eq!(
        diff.status.code(),
        Some(1),
        "diff exits 1 on differences: {}",
        String::from_utf8_lossy(&diff.stderr)
    );
    let diff_text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff_text
            .lines()
            .any(|l| l.starts_with('+') && l.contains("image: nginx:1.28")),
        "{diff_text}"
    );

    let edit = kubectl_in(
        &server.kubeconfig,
        &["edit", "deploy", "web"],
        None,
        &[
            ("EDITOR", "sed -i s/nginx:1.25/nginx:1.27/"),
            ("KUBE_EDITOR", "sed -i s/nginx:1.25/nginx:1.27/"),
        ],
    );
    assert!(
        edit.status.success(),
        "{}",
        String::from_utf8_lossy(&edit.stderr)
    );
    assert_eq!(
        server.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "nginx:1.27"
    );

    server.ok(&["delete", "deploy", "web", "--cascade=foreground"]);
    let gone = server.kubectl(&["get", "deploy", "web"]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("deployments.apps \"web\" not found"));
}

#[test]
fn kubectl_sees_recorded_errors() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    let bad = DEPLOYMENT.replace(
        "name: web\n  namespace: default",
        "name: Bad_Name\n  namespace: default",
    );
    let out = server.apply_stdin(&["apply", "--server-side", "-f", "-"], &bad);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is invalid: metadata.name: Invalid value: \"Bad_Name\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let missing_ns = DEPLOYMENT.replace("namespace: default", "namespace: nope");
    let out = server.apply_stdin(&["apply", "--server-side", "-f", "-"], &missing_ns);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("namespaces \"nope\" not found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = server.kubectl(&["get", "widgets"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the server doesn't have a resource type \"widgets\"")
    );

    let unauthorized = Command::new("kubectl")
        .args(["get", "ns", "--token", "wrong"])
        .env("KUBECONFIG", &server.kubeconfig)
        .output()
        .expect("kubectl");
    assert!(
        String::from_utf8_lossy(&unauthorized.stderr).contains("Unauthorized")
            || String::from_utf8_lossy(&unauthorized.stderr).contains("provide credentials")
    );
}

#[test]
fn kubectl_get_watch_streams_changes() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    let mut watch = Command::new("kubectl")
        .args(["get", "configmaps", "-w", "--request-timeout=20s"])
        .env("KUBECONFIG", &server.kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl get -w");
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: default}\ndata: {a: '1'}\n";
    let out = server.apply_stdin(&["apply", "--server-side", "-f", "-"], cm);
    assert!(out.status.success());
    let lines = BufReader::new(watch.stdout.take().expect("stdout")).lines();
    let mut seen = String::new();
    for line in lines.take(3) {
        let line = line.expect("line");
        seen.push('\n');
        seen.push_str(&line);
        if line.starts_with("watched") {
            break;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(seen.lines().any(|l| l.starts_with("watched")), "{seen}");
}

#[test]
fn kubectl_create_sends_protobuf_for_simple_kinds() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    server.ok(&["create", "namespace", "shop"]);
    server.ok(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "cfg",
        "--from-literal=a=1",
    ]);
    server.ok(&[
        "-n",
        "shop",
        "create",
        "secret",
        "generic",
        "s",
        "--from-literal=password=hunter2",
    ]);
    server.ok(&["-n", "shop", "create", "serviceaccount", "bot"]);
    assert_eq!(
        server.ok(&["-n", "shop", "get", "cm", "cfg", "-o", "jsonpath={.data.a}"]),
        "1"
    );
    assert_eq!(
        server.ok(&["-n", "shop", "get", "secret", "s", "-o", "jsonpath={.type}"]),
        "Opaque"
    );
    assert!(server.ok(&["-n", "shop", "get", "sa"]).contains("bot"));
    let dup = server.kubectl(&["-n", "shop", "create", "configmap", "cfg"]);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("configmaps \"cfg\" already exists"));
}

#[test]
fn kubectl_apply_conflicts_after_scale_until_forced() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH; skipping the kubectl end-to-end test");
        return;
    }
    let server = start();
    let out = server.apply_stdin(&["apply", "--server-side", "-f", "-"], DEPLOYMENT);
    assert!(out.status.success());
    server.ok(&["scale", "deploy", "web", "--replicas=4"]);
    let conflict = server.apply_stdin(&["apply", "--server-side", "-f", "-"], DEPLOYMENT);
    assert!(!conflict.status.success());
    let stderr = String::from_utf8_lossy(&conflict.stderr);
    assert!(
        stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"),
        "{stderr}"
    );
    let forced = server.apply_stdin(
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        DEPLOYMENT,
    );
    assert!(forced.status.success());
    assert_eq!(
        server.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "2"
    );
}
