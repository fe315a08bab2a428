//! The real `plumb` binary over the bundled demo repository: the app list
//! matches the demo's Application files, and `app manifests` equals what the
//! real tools (kubectl kustomize, helm template, the plain files) produce from
//! the same checkout.

mod cli_support;

use std::path::Path;

use cli_support::{Home, Run, documents, keys, names, run_tool, with_namespace};
use plumb::model::Object;

const DEMO_URL: &str = "https://github.com/acme-corp/gitops-manifests.git";

/// The Application files of the demo checkout: the root and `argocd/apps/*`
/// (which also holds Argo CD's CRDs).
fn demo_applications(checkout: &Path) -> Vec<(String, Object)> {
    let mut files = vec!["bootstrap/root.yaml".to_owned()];
    let mut children: Vec<String> = std::fs::read_dir(checkout.join("argocd/apps"))
        .expect("argocd/apps")
        .map(|e| {
            format!(
                "argocd/apps/{}",
                e.expect("entry").file_name().to_string_lossy()
            )
        })
        .collect();
    children.sort();
    files.extend(children);
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(checkout.join(&file)).expect("read app");
            let object = documents(&text).remove(0);
            (file, object)
        })
        .filter(|(_, object)| object["kind"] == "Application")
        .collect()
}

#[test]
fn app_list_json_matches_the_demo_application_files() {
    let home = Home::new();
    let run = home.run(&["app", "list", "-o", "json"]);
    run.assert_success();
    assert_eq!(run.stderr, "", "no diagnostics on the demo");
    let listed = run.json();
    let expected = demo_applications(&home.demo_repo());

    let mut listed_names = names(&listed);
    let mut expected_names: Vec<String> = expected
        .iter()
        .map(|(_, app)| app["metadata"]["name"].as_str().expect("name").to_owned())
        .collect();
    listed_names.sort();
    expected_names.sort();
    assert_eq!(listed_names, expected_names, "exactly the demo's apps");

    for (file, app) in &expected {
        let name = app["metadata"]["name"].as_str().expect("name");
        let entry = listed
            .as_array()
            .expect("array")
            .iter()
            .find(|e| e["name"] == name)
            .expect("listed");
        let source = &app["spec"]["source"];
        assert_eq!(entry["project"], app["spec"]["project"], "{name} project");
        assert_eq!(entry["repo"], source["repoURL"], "{name} repo");
        assert_eq!(entry["path"], source["path"], "{name} path");
        assert_eq!(entry["revision"], source["targetRevision"], "{name} rev");
        assert_eq!(
            entry["destination"]["namespace"], app["spec"]["destination"]["namespace"],
            "{name} destination namespace"
        );
        assert_eq!(
            entry["destination"]["server"], app["spec"]["destination"]["server"],
            "{name} destination server"
        );
        assert_eq!(entry["file"], file.as_str(), "{name} file");
        let automated = &app["spec"]["syncPolicy"]["automated"];
        let expected_policy = match (automated.is_object(), automated["prune"] == true) {
            (false, _) => "Manual",
            (true, false) => "Auto",
            (true, true) => "Auto-Prune",
        };
        assert_eq!(entry["syncPolicy"], expected_policy, "{name} sync policy");
        assert_eq!(
            entry["selfHeal"],
            automated["selfHeal"] == true,
            "{name} self heal"
        );
        let expected_parent = if name == "root" {
            serde_json::Value::Null
        } else {
            "root".into()
        };
        assert_eq!(entry["parent"], expected_parent, "{name} parent");
    }
}

/// Splits a table into rows of cells, cutting at the header's column starts
/// (cells may be empty).
fn table_rows(text: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let mut starts = vec![0];
    let bytes = header.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i - 1] == b' ' && bytes[i] != b' ' {
            starts.push(i);
        }
    }
    std::iter::once(header)
        .chain(lines)
        .map(|line| {
            starts
                .iter()
                .enumerate()
                .map(|(n, &start)| {
                    let end = starts.get(n + 1).copied().unwrap_or(line.len());
                    line.get(start..end.min(line.len()))
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn app_list_wide_shows_policy_and_parent_columns() {
    let home = Home::new();
    let run = home.run(&["app", "list", "-o", "wide"]);
    run.assert_success();
    let rows = table_rows(&run.stdout);
    assert_eq!(
        rows[0],
        [
            "NAME",
            "PROJECT",
            "REPO",
            "PATH",
            "REVISION",
            "CLUSTER",
            "NAMESPACE",
            "SYNCPOLICY",
            "SELFHEAL",
            "PARENT",
            "APPSET",
            "FILE"
        ]
    );
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} listed in\n{}", run.stdout))
            .clone()
    };
    assert_eq!(
        row("payments"),
        [
            "payments",
            "payments",
            DEMO_URL,
            "apps/payments/overlays/production",
            "main",
            "https://kubernetes.default.svc",
            "payments",
            "Auto-Prune",
            "true",
            "root",
            "",
            "argocd/apps/payments.yaml"
        ]
    );
    let root = row("root");
    assert_eq!(root[7], "Auto", "root automates without prune");
    assert_eq!(root[9], "", "root has no parent");
    let orders = row("orders");
    assert_eq!(
        (orders[7].as_str(), orders[8].as_str()),
        ("Manual", "false")
    );
    assert_eq!(rows.len(), 1 + 7, "header and the seven demo apps");
}

/// plumb's objects for an app (comments like `# Source:` are not objects).
fn plumb_objects(home: &Home, app: &str) -> Vec<Object> {
    let run = home.run(&["app", "manifests", app]);
    run.assert_success();
    documents(&run.stdout)
}

fn assert_same_objects(app: &str, plumb: &[Object], tool: &[Object]) {
    assert_eq!(
        keys(plumb),
        keys(tool),
        "{app}: same objects in the same order"
    );
    for (ours, theirs) in plumb.iter().zip(tool) {
        assert_eq!(ours, theirs, "{app}: object differs");
    }
}

#[test]
fn kustomize_app_equals_kubectl_kustomize() {
    let home = Home::new();
    let ours = plumb_objects(&home, "payments");
    let checkout = home.demo_repo();
    let theirs = documents(&run_tool(
        "kubectl",
        &["kustomize", "apps/payments/overlays/production"],
        &checkout,
    ));
    assert!(!theirs.is_empty());
    assert_same_objects("payments", &ours, &with_namespace(theirs, "payments"));
}

#[test]
fn helm_app_equals_helm_template_with_the_app_arguments() {
    let home = Home::new();
    let ours = plumb_objects(&home, "storefront");
    let chart = home.demo_repo().join("charts/storefront");
    let theirs = documents(&run_tool(
        "helm",
        &[
            "template",
            ".",
            "--name-template",
            "storefront",
            "--namespace",
            "storefront",
            "--set",
            "image.tag=3.2.0",
            "--set",
            "replicaCount=2",
            "--values",
            "values.yaml",
            "--values",
            "values-production.yaml",
            "--include-crds",
        ],
        &chart,
    ));
    assert!(!theirs.is_empty());
    assert_same_objects("storefront", &ours, &with_namespace(theirs, "storefront"));
}

/// Every document of every YAML file of a plain app, in file-name order.
fn plain_files(dir: &Path) -> Vec<Object> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("app dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| documents(&std::fs::read_to_string(f).expect("read")))
        .collect()
}

#[test]
fn plain_apps_equal_their_files() {
    let home = Home::new();
    for app in ["checkout", "orders"] {
        let ours = plumb_objects(&home, app);
        let theirs = plain_files(&home.demo_repo().join("apps").join(app));
        assert!(theirs.len() >= 3, "{app} has several objects");
        assert_same_objects(app, &ours, &with_namespace(theirs, app));
    }
}

#[test]
fn manifests_json_holds_the_same_objects_as_yaml() {
    let home = Home::new();
    let yaml = plumb_objects(&home, "payments");
    let run = home.run(&["app", "manifests", "payments", "-o", "json"]);
    run.assert_success();
    let json: Vec<Object> = serde_json::from_str(&run.stdout).expect("JSON array");
    assert_eq!(json, yaml);
}

#[test]
fn unknown_app_fails_naming_it() {
    let home = Home::new();
    let run = home.run(&["app", "manifests", "no-such-app"]);
    run.assert_failure()
        .assert_stderr_has(&["no-such-app", "not found"]);
}

/// `plumb ARGS` on the sandbox (no kubeconfig from the environment).
fn on_sandbox(home: &Home, args: &[&str]) -> Run {
    Run::from(
        home.command(args)
            .env_remove("KUBECONFIG")
            .output()
            .expect("plumb runs"),
    )
}

#[test]
fn the_demo_root_syncs_on_the_sandbox_crds_before_its_applications() {
    let home = Home::new();
    let run = on_sandbox(&home, &["app", "sync", "root"]);
    run.assert_success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    let position = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle) && l.ends_with("created"))
            .unwrap_or_else(|| panic!("{needle} created:\n{}", run.stdout))
    };
    assert!(
        position("applications.argoproj.io") < position("application.argoproj.io/payments"),
        "the CRD is applied before the Applications it serves:\n{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Operation Succeeded: successfully synced (all tasks run)"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_demo_orders_sync_runs_its_pre_and_post_sync_hooks() {
    let home = Home::new();
    let sync = on_sandbox(&home, &["app", "sync", "orders"]);
    sync.assert_success();
    for hook in [
        "PreSync wave 0: job.batch/orders-db-migration created",
        "PostSync wave 0: job.batch/order-processor-smoke-",
    ] {
        assert!(sync.stdout.contains(hook), "{hook}:\n{}", sync.stdout);
    }
    let get = on_sandbox(&home, &["app", "get", "orders"]);
    get.assert_success();
    assert!(
        !get.stdout.contains("RepeatedResourceWarning"),
        "hooks named by generateName are not repeated:\n{}",
        get.stdout
    );
}
