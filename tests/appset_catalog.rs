//! The catalog with ApplicationSets expanded: generated apps carry their
//! origin and policy, name clashes are diagnostics, the cluster generator
//! sees kubeconfig contexts labelled from settings plus the cluster Secrets
//! under the root, and ApplicationSets in a generated app's output expand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;
use plumb::config::ClusterSettings;
use plumb::engine::appset::{ApplicationsSync, ClusterInfo, known_clusters, kubeconfig_contexts};
use plumb::model::{Application, Severity};
use plumb::source::RenderedObject;
use plumb::source::discovery::{Catalog, Fleet, discover_with_appsets};
use serde_json::json;

const REPO: &str = "https://example.com/fleet";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn list_appset(name: &str, elements: &str, app_name: &str, extra_spec: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: {name}, namespace: argocd}}
spec:
  generators:
    - list:
        elements: {elements}
{extra_spec}  template:
    metadata: {{name: '{app_name}'}}
    spec:
      project: default
      source: {{repoURL: {REPO}, targetRevision: HEAD, path: apps/guestbook}}
      destination: {{server: https://kubernetes.default.svc, namespace: guestbook}}
"
    )
}

/// A root folder with a plain app, a list ApplicationSet, one whose app
/// clashes with the plain app, a cluster-generator ApplicationSet and an
/// Argo CD cluster Secret.
fn fleet_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "argocd/web.yaml",
        &format!(
            "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: web, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: {REPO}, targetRevision: HEAD, path: apps/web}}
  destination: {{server: https://kubernetes.default.svc, namespace: web}}
"
        ),
    );
    write(
        root,
        "argocd/guestbooks.yaml",
        &list_appset(
            "guestbooks",
            "[{env: dev}, {env: prod}]",
            "guestbook-{{env}}",
            "  syncPolicy: {applicationsSync: create-only, preserveResourcesOnDeletion: true}\n",
        ),
    );
    write(
        root,
        "argocd/clash.yaml",
        &list_appset("clash", "[{app: web}, {app: other}]", "{{app}}", ""),
    );
    write(
        root,
        "argocd/monitoring.yaml",
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: monitoring, namespace: argocd}
spec:
  generators:
    - clusters:
        selector: {matchLabels: {env: production}}
  template:
    metadata: {name: '{{name}}-monitoring'}
    spec:
      project: default
      source: {repoURL: https://example.com/fleet, targetRevision: HEAD, path: monitoring}
      destination: {server: '{{server}}', namespace: 'monitoring-{{metadata.labels.region}}'}
",
    );
    write(
        root,
        "argocd/clusters.yaml",
        "apiVersion: v1
kind: Secret
metadata:
  name: cluster-edge
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, env: production, region: edge}
stringData: {name: edge, server: 'https://edge.example.com:6443'}
",
    );
    dir
}

/// Two clusters, `prod-us` current.
const KUBECONFIG: &str = include_str!("fixtures/kubeconfig-two-clusters.yaml");

/// The kubeconfig's two contexts labelled from settings, as the CLI builds them.
fn kubeconfig_clusters() -> Vec<ClusterInfo> {
    let kubeconfig = Kubeconfig::from_yaml(KUBECONFIG).expect("kubeconfig");
    let label = |env: &str, region: &str| ClusterSettings {
        labels: BTreeMap::from([
            ("env".to_owned(), env.to_owned()),
            ("region".to_owned(), region.to_owned()),
        ]),
        annotations: BTreeMap::new(),
    };
    let settings = BTreeMap::from([
        ("prod-us".to_owned(), label("production", "us")),
        ("staging".to_owned(), label("staging", "eu")),
    ]);
    let (clusters, warnings) = known_clusters(&kubeconfig_contexts(&kubeconfig), &settings);
    assert!(warnings.is_empty(), "{warnings:?}");
    clusters
}

fn rendered(object: serde_json::Value) -> RenderedObject {
    RenderedObject {
        object,
        source_file: "rendered.yaml".into(),
    }
}

/// guestbook-dev renders a child Application; guestbook-prod renders an
/// ApplicationSet; everything else renders nothing of interest.
fn render_children(app: &Application) -> Result<Vec<RenderedObject>, String> {
    Ok(match app.metadata.name.as_str() {
        "guestbook-dev" => vec![rendered(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "guestbook-dev-db", "namespace": "argocd"},
            "spec": {"project": "default",
                     "source": {"repoURL": REPO, "path": "apps/db"},
                     "destination": {"server": "https://kubernetes.default.svc", "namespace": "db"}}
        }))],
        "guestbook-prod" => vec![rendered(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "nested", "namespace": "argocd"},
            "spec": {"generators": [{"list": {"elements": [{"n": "a"}]}}],
                     "template": {"metadata": {"name": "nested-{{n}}"},
                                  "spec": {"project": "default",
                                           "source": {"repoURL": REPO, "path": "apps/{{n}}"},
                                           "destination": {"server": "https://kubernetes.default.svc", "namespace": "{{n}}"}}}}
        }))],
        _ => Vec::new(),
    })
}

fn catalog_of(root: &Path, clusters: &[ClusterInfo]) -> Catalog {
    let checkout: PathBuf = root.to_path_buf();
    let repo_dir = move |_: &str, _: &str| -> Result<PathBuf, String> { Ok(checkout.clone()) };
    let fleet = Fleet {
        clusters,
        repo_dir: &repo_dir,
    };
    discover_with_appsets(root, "argocd", &mut render_children, &fleet)
}

fn names(catalog: &Catalog) -> Vec<&str> {
    catalog
        .apps
        .iter()
        .map(|a| a.app.metadata.name.as_str())
        .collect()
}

#[test]
fn generated_apps_join_the_catalog_with_their_origin_and_policy() {
    let root = fleet_root();
    let catalog = catalog_of(root.path(), &kubeconfig_clusters());
    for name in [
        "web",
        "guestbook-dev",
        "guestbook-prod",
        "other",
        "nested-a",
    ] {
        assert!(
            catalog.app(name).is_some(),
            "{name} in {:?}",
            names(&catalog)
        );
    }
    let dev = catalog.app("guestbook-dev").expect("generated app");
    assert_eq!(dev.file, "argocd/guestbooks.yaml");
    assert_eq!(dev.parent, None);
    let origin = dev.appset.as_ref().expect("an origin");
    assert_eq!(origin.appset, "guestbooks");
    assert_eq!(origin.generator, "list");
    assert_eq!(origin.params, json!({"env": "dev"}));
    assert_eq!(origin.applications_sync, ApplicationsSync::CreateOnly);
    assert!(origin.preserve_resources_on_deletion);
    let source = dev.app.spec.all_sources()[0].clone();
    assert_eq!(source.path.as_deref(), Some("apps/guestbook"));

    let other = catalog.app("other").expect("generated app");
    let origin = other.appset.as_ref().expect("an origin");
    assert_eq!(origin.applications_sync, ApplicationsSync::Sync);
    assert!(!origin.preserve_resources_on_deletion);

    let generated: Vec<&str> = catalog
        .generated_by("guestbooks")
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(generated, ["guestbook-dev", "guestbook-prod"]);
    let expansion = &catalog.appset("guestbooks").expect("appset").expansion;
    assert_eq!(expansion.apps.len(), 2);
    assert!(!expansion.has_error());
}

#[test]
fn a_generated_app_is_an_app_of_apps_parent_and_its_appsets_expand() {
    let root = fleet_root();
    let catalog = catalog_of(root.path(), &[]);
    let children: Vec<&str> = catalog
        .children("guestbook-dev")
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(children, ["guestbook-dev-db"]);
    let nested = catalog
        .app("nested-a")
        .expect("app of a nested ApplicationSet");
    assert_eq!(
        nested.appset.as_ref().map(|o| o.appset.as_str()),
        Some("nested")
    );
    assert_eq!(nested.file, "rendered.yaml");
}

#[test]
fn a_generated_name_that_clashes_is_a_diagnostic_and_the_plain_app_stays() {
    let root = fleet_root();
    let catalog = catalog_of(root.path(), &[]);
    let web: Vec<_> = catalog
        .apps
        .iter()
        .filter(|a| a.app.metadata.name == "web")
        .collect();
    assert_eq!(web.len(), 1);
    assert_eq!(web[0].appset, None, "the plain app is kept");
    assert_eq!(web[0].file, "argocd/web.yaml");
    let clash: Vec<_> = catalog.diagnostics_for("Application", "web").collect();
    assert_eq!(clash.len(), 1, "{:?}", catalog.diagnostics);
    assert_eq!(clash[0].severity, Severity::Error);
    assert_eq!(clash[0].file, "argocd/clash.yaml");
    assert!(
        clash[0].message.contains("ApplicationSet clash")
            && clash[0].message.contains("argocd/web.yaml"),
        "{}",
        clash[0].message
    );
    assert!(catalog.app("other").is_some(), "the rest of clash is kept");
}

#[test]
fn cluster_generator_sees_labelled_contexts_and_cluster_secrets() {
    let root = fleet_root();
    let catalog = catalog_of(root.path(), &kubeconfig_clusters());
    assert_eq!(
        catalog
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["edge"]
    );
    assert!(
        catalog
            .diagnostics
            .iter()
            .all(|d| !d.message.contains("not an Argo CD manifest")),
        "cluster Secrets are known: {:?}",
        catalog.diagnostics
    );
    let monitoring: Vec<(&str, String, String)> = catalog
        .generated_by("monitoring")
        .map(|a| {
            let destination = a.app.spec.destination.clone().unwrap_or_default();
            (
                a.app.metadata.name.as_str(),
                destination.server.unwrap_or_default(),
                destination.namespace.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        monitoring,
        [
            (
                "prod-us-monitoring",
                "https://prod-us.example.com:6443".to_owned(),
                "monitoring-us".to_owned()
            ),
            (
                "edge-monitoring",
                "https://edge.example.com:6443".to_owned(),
                "monitoring-edge".to_owned()
            ),
        ]
    );
}

#[test]
fn without_labels_the_selector_matches_only_cluster_secrets() {
    let root = fleet_root();
    let kubeconfig = Kubeconfig::from_yaml(KUBECONFIG).expect("kubeconfig");
    let (unlabelled, _) = known_clusters(&kubeconfig_contexts(&kubeconfig), &BTreeMap::new());
    assert_eq!(unlabelled.len(), 2);
    let catalog = catalog_of(root.path(), &unlabelled);
    let monitoring: Vec<&str> = catalog
        .generated_by("monitoring")
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(monitoring, ["edge-monitoring"]);
}

#[test]
fn without_a_selector_the_current_context_stands_for_in_cluster() {
    let root = fleet_root();
    write(
        root.path(),
        "argocd/everywhere.yaml",
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: everywhere, namespace: argocd}
spec:
  generators:
    - clusters: {}
  template:
    metadata: {name: '{{name}}-agent'}
    spec:
      project: default
      source: {repoURL: https://example.com/fleet, targetRevision: HEAD, path: agent}
      destination: {server: '{{server}}', namespace: agent}
",
    );
    let with_kubeconfig = catalog_of(root.path(), &kubeconfig_clusters());
    let agents: Vec<&str> = with_kubeconfig
        .generated_by("everywhere")
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(agents, ["prod-us-agent", "staging-agent", "edge-agent"]);
    let sandbox_alone = catalog_of(root.path(), &[]);
    let agents: Vec<&str> = sandbox_alone
        .generated_by("everywhere")
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(agents, ["edge-agent", "in-cluster-agent"]);
}
