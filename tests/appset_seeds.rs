//! Every ApplicationSet of the seeds expands to the Applications the seeds
//! describe, against fixture clusters and fixture checkouts.

mod appset_support;

use appset_support::{appsets_in, clusters, expand_with, fixture, messages, names};
use plumb::engine::appset::{Expansion, RESOURCES_FINALIZER};
use plumb::model::Application;

fn seed(rel: &str) -> Expansion {
    let appsets = appsets_in(&fixture(&format!("seeds/{rel}")));
    assert_eq!(appsets.len(), 1, "{rel}");
    expand_with(&appsets[0], &clusters())
}

fn app<'a>(expansion: &'a Expansion, name: &str) -> &'a Application {
    expansion
        .apps
        .iter()
        .map(|g| &g.app)
        .find(|a| a.metadata.name == name)
        .unwrap_or_else(|| panic!("no app {name} in {:?}", names(expansion)))
}

fn source_path(app: &Application) -> &str {
    app.spec.all_sources()[0]
        .path
        .as_deref()
        .unwrap_or_default()
}

fn server(app: &Application) -> &str {
    app.spec
        .destination
        .as_ref()
        .and_then(|d| d.server.as_deref())
        .unwrap_or_default()
}

fn namespace(app: &Application) -> &str {
    app.spec
        .destination
        .as_ref()
        .map(|d| d.namespace_or_empty())
        .unwrap_or_default()
}

fn assert_clean(expansion: &Expansion) {
    assert!(!expansion.has_error(), "{}", messages(expansion));
    let up_to_date = expansion
        .conditions
        .iter()
        .any(|c| c.type_ == "ResourcesUpToDate" && c.status == "True");
    assert!(up_to_date, "{}", messages(expansion));
}

#[test]
fn microservices_list_generator() {
    let e = seed("000-gitops-guide/12-applicationset-microservices.yaml");
    assert_clean(&e);
    assert_eq!(
        names(&e),
        [
            "api-server-production",
            "api-server-staging",
            "api-server-development"
        ]
    );
    let prod = app(&e, "api-server-production");
    assert_eq!(source_path(prod), "apps/api-server/overlays/production");
    assert_eq!(server(prod), "https://prod-k8s.example.com");
    assert_eq!(namespace(prod), "production");
    let labels = &prod.spec.all_sources()[0]
        .kustomize
        .as_ref()
        .expect("kustomize")
        .common_labels;
    assert_eq!(
        labels.get("cluster").map(String::as_str),
        Some("production")
    );
    assert_eq!(prod.metadata.namespace.as_deref(), Some("argocd"));
    assert_eq!(prod.metadata.finalizers, [RESOURCES_FINALIZER]);
    assert_eq!(e.apps[0].origin.generator, "list");
    assert_eq!(e.apps[0].origin.params["replicas"], "5");
}

#[test]
fn platform_monitoring_cluster_generator_with_selector_and_values() {
    let e = seed("000-gitops-guide/13-applicationset-platform-monitoring.yaml");
    assert_clean(&e);
    assert_eq!(names(&e), ["monitoring-prod-us", "monitoring-prod-eu"]);
    let us = app(&e, "monitoring-prod-us");
    assert_eq!(server(us), "https://prod-us-k8s.example.com");
    let values = us.spec.all_sources()[0]
        .helm
        .as_ref()
        .and_then(|h| h.values.clone())
        .unwrap_or_default();
    assert!(values.contains("retention: \"30d\""), "{values}");
    assert!(
        values.contains("host: \"grafana-prod-us.example.com\""),
        "{values}"
    );
    assert_eq!(
        e.apps[0].origin.params["values.prometheus_retention"],
        "30d"
    );
}

#[test]
fn team_apps_git_directories_exclude_matches_whole_paths_only() {
    let e = seed("000-gitops-guide/14-applicationset-team-apps.yaml");
    assert_clean(&e);
    // `apps/legacy-*` matches the folder apps/legacy-billing itself, never
    // apps/legacy-billing/overlays/production: Argo CD applies path.Match to
    // the whole candidate path, so this exclude removes nothing.
    assert_eq!(names(&e), ["api-server", "legacy-billing", "web-frontend"]);
    assert_eq!(
        source_path(app(&e, "web-frontend")),
        "apps/web-frontend/overlays/production"
    );
}

#[test]
fn dynamic_apps_git_files_flattened_with_dot_keys() {
    let e = seed("000-gitops-guide/15-applicationset-dynamic-apps.yaml");
    assert_clean(&e);
    assert_eq!(names(&e), ["guestbook-production", "guestbook-staging"]);
    let prod = app(&e, "guestbook-production");
    assert_eq!(prod.spec.project_or_default(), "default");
    let source = prod.spec.all_sources()[0];
    assert_eq!(source.repo_url, "https://github.com/myorg/guestbook.git");
    assert_eq!(source.revision(), "v1.2.0");
    assert_eq!(source_path(prod), "deploy/production");
    assert_eq!(server(prod), "https://prod-k8s.example.com");
    assert_eq!(namespace(app(&e, "guestbook-staging")), "guestbook-staging");
    let params = &e.apps[0].origin.params;
    assert_eq!(params["path"], "environments/production");
    assert_eq!(params["path.filename"], "config.json");
    assert_eq!(params["replicas"], "3");
}

#[test]
fn cross_cluster_apps_matrix_of_clusters_and_list() {
    let e = seed("000-gitops-guide/16-applicationset-cross-cluster-apps.yaml");
    assert_clean(&e);
    assert_eq!(
        names(&e),
        [
            "api-server-prod-us",
            "web-frontend-prod-us",
            "worker-prod-us",
            "api-server-prod-eu",
            "web-frontend-prod-eu",
            "worker-prod-eu"
        ]
    );
    let worker = app(&e, "worker-prod-eu");
    assert_eq!(source_path(worker), "charts/worker");
    assert_eq!(namespace(worker), "backend");
    assert_eq!(server(worker), "https://prod-eu-k8s.example.com");
    let value_files = &worker.spec.all_sources()[0]
        .helm
        .as_ref()
        .expect("helm")
        .value_files;
    assert_eq!(value_files, &["values-eu-west-1.yaml"]);
    assert_eq!(e.apps[0].origin.generator, "matrix(clusters,list)");
}

#[test]
fn pr_preview_pull_request_generator_is_reported_not_supported_offline() {
    let e = seed("000-gitops-guide/17-applicationset-pr-preview.yaml");
    assert!(e.apps.is_empty());
    assert!(!e.has_error());
    let all = messages(&e);
    assert!(
        all.contains("ParametersGenerated False GeneratorNotSupportedOffline"),
        "{all}"
    );
    assert!(
        all.contains("ApplicationSet pr-preview: spec.generators[0] (pullRequest)"),
        "{all}"
    );
    assert!(all.contains("not supported offline"), "{all}");
}

#[test]
fn argocd_gitops_apps_git_directories() {
    let e = seed("001-argocd-gitops/09-applicationset-apps.yaml");
    assert_clean(&e);
    assert_eq!(names(&e), ["myapp", "orders-api"]);
    let myapp = app(&e, "myapp");
    assert_eq!(source_path(myapp), "apps/myapp/overlays/production");
    assert_eq!(myapp.spec.project_or_default(), "apps");
    assert!(
        myapp
            .spec
            .sync_policy
            .as_ref()
            .is_some_and(|p| p.has_option("CreateNamespace=true"))
    );
}

#[test]
fn myapp_multi_cluster_list_with_values() {
    let e = seed("001-argocd-gitops/10-applicationset-myapp-multi-cluster.yaml");
    assert_clean(&e);
    assert_eq!(
        names(&e),
        [
            "myapp-staging",
            "myapp-production-us",
            "myapp-production-eu"
        ]
    );
    let eu = app(&e, "myapp-production-eu");
    assert_eq!(source_path(eu), "apps/myapp/overlays/production-eu");
    assert_eq!(server(eu), "https://prod-eu-k8s.example.com");
    assert_eq!(
        e.apps[2].origin.params["values.domain"],
        "eu.myapp.example.com"
    );
}

#[test]
fn payments_all_clusters_list() {
    let e = seed("002-argocd-migration/04-applicationset-payments-all-clusters.yaml");
    assert_clean(&e);
    assert_eq!(
        names(&e),
        [
            "payments-prod-us-east",
            "payments-prod-eu-west",
            "payments-staging"
        ]
    );
    assert_eq!(
        source_path(app(&e, "payments-prod-eu-west")),
        "apps/payments/overlays/prod"
    );
    assert_eq!(
        source_path(app(&e, "payments-staging")),
        "apps/payments/overlays/staging"
    );
    assert_eq!(namespace(app(&e, "payments-staging")), "payments");
}

/// Seed 003 writes `{env}` (single braces). Argo CD's fasttemplate only
/// knows `{{ }}` tags, so the text stays as written: the Applications are
/// invalid, exactly as Argo CD would find them.
#[test]
fn orders_service_single_braces_give_a_clear_condition() {
    let e = seed("003-platform-gitops/03-applicationset-orders-service.yaml");
    assert!(e.apps.is_empty(), "{:?}", names(&e));
    assert!(e.has_error());
    let all = messages(&e);
    assert!(
        all.contains("ErrorOccurred True ApplicationValidationError"),
        "{all}"
    );
    assert!(all.contains("ApplicationSet orders-service"), "{all}");
    assert!(
        all.contains("generated Application \"orders-{env}\" is invalid"),
        "{all}"
    );
    assert!(all.contains("metadata.name"), "{all}");
    assert!(all.contains("spec.syncPolicy.automated.prune"), "{all}");
    assert!(all.contains("did you mean {{env}}?"), "{all}");
    assert!(all.contains("did you mean {{prune}}?"), "{all}");
}

#[test]
fn all_services_prod_single_braces_give_a_clear_condition() {
    let e = seed("003-platform-gitops/04-applicationset-all-services-prod.yaml");
    assert!(e.apps.is_empty());
    let all = messages(&e);
    assert!(
        all.contains("generated Application \"{path.basename}-prod\" is invalid"),
        "{all}"
    );
    assert!(all.contains("did you mean {{path.basename}}?"), "{all}");
}

#[test]
fn all_services_all_envs_single_braces_give_a_clear_condition() {
    let e = seed("003-platform-gitops/05-applicationset-all-services-all-envs.yaml");
    assert!(e.apps.is_empty());
    let all = messages(&e);
    assert!(
        all.contains("spec.generators[0] (matrix(git,list))"),
        "{all}"
    );
    assert!(all.contains("did you mean {{env}}?"), "{all}");
    assert!(all.contains("did you mean {{autoSync}}?"), "{all}");
}

/// A new seed ApplicationSet must get its own test above.
#[test]
fn every_seed_applicationset_is_covered() {
    let covered = [
        "microservices",
        "platform-monitoring",
        "team-apps",
        "dynamic-apps",
        "cross-cluster-apps",
        "pr-preview",
        "apps",
        "myapp-multi-cluster",
        "payments-all-clusters",
        "orders-service",
        "all-services-prod",
        "all-services-all-envs",
    ];
    let mut found = Vec::new();
    for dir in std::fs::read_dir(fixture("seeds")).expect("seeds") {
        for file in std::fs::read_dir(dir.expect("dir").path()).expect("seed dir") {
            let path = file.expect("file").path();
            if path.is_dir() {
                continue;
            }
            for appset in appsets_in(&path) {
                found.push(appset.metadata.name);
            }
        }
    }
    found.sort();
    let mut expected: Vec<String> = covered.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}
