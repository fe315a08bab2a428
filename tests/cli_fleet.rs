//! The apps ApplicationSets generate are apps like any other for the CLI:
//! listed with their origin, filtered by ApplicationSet or app-of-apps
//! parent, rendered and shown by name; the cluster generator sees the
//! kubeconfig's contexts with labels from settings.

mod cli_support;

use cli_support::{GitRepo, Home, application, names, serve};

/// Two clusters, `prod-us` current.
const KUBECONFIG: &str = include_str!("fixtures/kubeconfig-two-clusters.yaml");

const SETTINGS: &str = "[clusters.prod-us]
labels = { env = \"production\" }
annotations = { team = \"sre\" }

[clusters.staging]
labels = { env = \"staging\" }
";

/// A repository whose `argocd/` folder holds a plain app `direct`, an
/// app-of-apps `root`, a list ApplicationSet `guestbooks` pointing at the
/// same path as `direct`, and a cluster-generator ApplicationSet.
fn fleet_repo() -> GitRepo {
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    repo.write(
        "apps/guestbook/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: guestbook}\ndata: {greeting: hello}\n",
    )
    .write(
        "argocd/direct.yaml",
        &application("guestbook", &url, "apps/guestbook", "").replace("name: guestbook\n", "name: direct\n"),
    )
    .write("argocd/root.yaml", &application("root", &url, "children", ""))
    .write(
        "children/child.yaml",
        &application("child", &url, "apps/guestbook", ""),
    )
    .write(
        "argocd/guestbooks.yaml",
        &format!(
            "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: guestbooks, namespace: argocd}}
spec:
  generators:
    - list:
        elements: [{{env: dev}}]
  template:
    metadata: {{name: 'guestbook-{{{{env}}}}'}}
    spec:
      project: default
      source: {{repoURL: '{url}', targetRevision: HEAD, path: apps/guestbook}}
      destination: {{server: https://kubernetes.default.svc, namespace: guestbook}}
"
        ),
    )
    .write(
        "argocd/monitoring.yaml",
        &format!(
            "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: monitoring, namespace: argocd}}
spec:
  generators:
    - clusters:
        selector: {{matchLabels: {{env: production}}}}
  template:
    metadata: {{name: '{{{{name}}}}-mon', annotations: {{team: '{{{{metadata.annotations.team}}}}'}}}}
    spec:
      project: default
      source: {{repoURL: '{url}', targetRevision: HEAD, path: apps/guestbook}}
      destination: {{server: '{{{{server}}}}', namespace: monitoring}}
"
        ),
    );
    repo.commit("fleet");
    repo
}

struct Fleet {
    repo: GitRepo,
    home: Home,
    kubeconfig: std::path::PathBuf,
}

impl Fleet {
    fn new(settings: &str) -> Self {
        let home = Home::new();
        home.write_settings(settings);
        let kubeconfig = home.path().join("kubeconfig.yaml");
        std::fs::write(&kubeconfig, KUBECONFIG).expect("write kubeconfig");
        Fleet {
            repo: fleet_repo(),
            home,
            kubeconfig,
        }
    }

    fn plumb(&self, args: &[&str]) -> cli_support::Run {
        self.plumb_with(&self.kubeconfig, args)
    }

    fn plumb_with(&self, kubeconfig: &std::path::Path, args: &[&str]) -> cli_support::Run {
        let mut full = vec!["--repo", self.repo.url(), "--path", "argocd"];
        full.extend_from_slice(args);
        let output = self
            .home
            .command(&full)
            .env("KUBECONFIG", kubeconfig)
            .output()
            .expect("plumb runs");
        cli_support::Run::from(output)
    }
}

#[test]
fn generated_apps_are_listed_with_origin_and_filtered() {
    let fleet = Fleet::new(SETTINGS);
    let all = fleet.plumb(&["app", "list", "-o", "json"]);
    all.assert_success();
    let json = all.json();
    let mut listed = names(&json);
    listed.sort();
    assert_eq!(
        listed,
        ["child", "direct", "guestbook-dev", "prod-us-mon", "root"],
        "staging is not labelled env=production:\n{}",
        all.stdout
    );
    let generated = json
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["name"] == "guestbook-dev")
        .expect("guestbook-dev");
    assert_eq!(generated["appset"], "guestbooks/list");
    assert_eq!(generated["origin"]["params"]["env"], "dev");
    assert_eq!(generated["origin"]["applicationsSync"], "sync");

    let by_appset = fleet.plumb(&["app", "list", "--appset", "guestbooks", "-o", "wide"]);
    by_appset.assert_success();
    let rows: Vec<&str> = by_appset.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", by_appset.stdout);
    assert!(
        rows[0].starts_with("guestbook-dev") && rows[0].contains("guestbooks/list"),
        "{}",
        by_appset.stdout
    );

    let children = fleet.plumb(&["app", "list", "--parent", "root", "-o", "json"]);
    children.assert_success();
    assert_eq!(names(&children.json()), ["child"]);
    fleet
        .plumb(&["app", "list", "--parent", "nope"])
        .assert_failure()
        .assert_stderr_has(&["application 'nope' not found"]);

    let monitoring = fleet.plumb(&["appset", "generate", "monitoring", "-o", "json"]);
    monitoring.assert_success();
    let apps = monitoring.json();
    assert_eq!(
        apps[0]["spec"]["destination"]["server"],
        "https://prod-us.example.com:6443"
    );
    assert_eq!(apps[0]["metadata"]["annotations"]["team"], "sre");
}

#[test]
fn settings_naming_no_cluster_are_reported() {
    let fleet = Fleet::new("[clusters.prod-eu]\nlabels = { env = \"production\" }\n");
    let run = fleet.plumb(&["app", "list", "-o", "json"]);
    run.assert_success()
        .assert_stderr_has(&["[clusters.prod-eu] names no kubeconfig context"]);
    assert!(
        !names(&run.json()).iter().any(|n| n.ends_with("-mon")),
        "{}",
        run.stdout
    );
}

#[test]
fn manifests_of_a_generated_app_are_what_its_template_points_at() {
    let fleet = Fleet::new(SETTINGS);
    let generated = fleet.plumb(&["app", "manifests", "guestbook-dev", "-o", "json"]);
    generated.assert_success();
    let direct = fleet.plumb(&["app", "manifests", "direct", "-o", "json"]);
    direct.assert_success();
    let objects = generated.json();
    assert_eq!(
        objects.as_array().map(Vec::len),
        Some(1),
        "{}",
        generated.stdout
    );
    assert_eq!(objects[0]["data"]["greeting"], "hello");
    assert_eq!(objects, direct.json());
}

#[test]
fn app_get_shows_the_origin_and_the_parent() {
    let fleet = Fleet::new("");
    let server = serve();
    let generated = fleet.plumb_with(&server.kubeconfig, &["app", "get", "guestbook-dev"]);
    generated.assert_success();
    assert!(
        generated
            .stdout
            .contains("Generated by ApplicationSet guestbooks (list, env=dev)"),
        "{}",
        generated.stdout
    );
    assert!(
        !generated.stdout.contains("Parent:"),
        "{}",
        generated.stdout
    );
    let child = fleet.plumb_with(&server.kubeconfig, &["app", "get", "child", "-o", "json"]);
    child.assert_success();
    let json = child.json();
    assert_eq!(json["parent"], "root");
    assert!(json["origin"].is_null(), "{json}");
    let text = fleet.plumb_with(&server.kubeconfig, &["app", "get", "child"]);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("Parent:") && l.ends_with("root")),
        "{}",
        text.stdout
    );
}
