//! AppProject checks (§9.5, T25).

mod sync_support;

use plumb::engine::policy::{
    check_destination, check_resource, check_source, kind_permitted, source_permitted,
};
use plumb::engine::sync::{OperationPhase, Resource};
use plumb::model::{AppProject, Destination, ResourceKey};
use serde_json::json;
use sync_support::*;

fn project(spec: serde_json::Value) -> AppProject {
    serde_json::from_value(json!({"metadata": {"name": "team"}, "spec": spec})).expect("project")
}

fn dest(server: &str, namespace: &str) -> Destination {
    Destination {
        server: Some(server.into()),
        name: None,
        namespace: Some(namespace.into()),
    }
}

#[test]
fn t25_denied_source_repo() {
    let p = project(json!({"sourceRepos": ["!https://github.com/evil/*", "*"]}));
    assert_eq!(
        check_source(&p, "https://github.com/evil/x"),
        Err("application repo https://github.com/evil/x is not permitted in project 'team'".into())
    );
    assert_eq!(check_source(&p, "https://github.com/good/x"), Ok(()));
}

#[test]
fn source_globs_stop_at_slashes_and_ignore_dot_git() {
    let p = project(json!({"sourceRepos": ["https://github.com/acme/*"]}));
    assert!(source_permitted(&p, "https://github.com/acme/shop.git"));
    assert!(source_permitted(&p, "https://GitHub.com/acme/shop"));
    assert!(!source_permitted(&p, "https://github.com/acme/shop/sub"));
    assert!(!source_permitted(&p, "https://github.com/other/shop"));
    assert!(!source_permitted(
        &project(json!({})),
        "https://github.com/acme/shop"
    ));
}

#[test]
fn destinations() {
    let p = project(json!({"destinations": [
        {"server": "https://kubernetes.default.svc", "namespace": "team-*"},
        {"server": "*", "namespace": "!kube-system"}
    ]}));
    assert_eq!(
        check_destination(&p, &dest("https://kubernetes.default.svc", "team-a")),
        Ok(())
    );
    assert_eq!(
        check_destination(&p, &dest("https://kubernetes.default.svc", "kube-system")),
        Err("application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'team'".into())
    );
    let by_name = project(json!({"destinations": [{"name": "prod", "namespace": "*"}]}));
    let named = Destination {
        server: None,
        name: Some("prod".into()),
        namespace: Some("x".into()),
    };
    assert_eq!(check_destination(&by_name, &named), Ok(()));
    assert!(check_destination(&by_name, &dest("https://other", "x")).is_err());
}

#[test]
fn t25_cluster_scoped_kinds_need_a_whitelist() {
    let p =
        project(json!({"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}]}));
    let ns_key = ResourceKey::new("", "Namespace", "", "extra");
    let message = check_resource(
        &p,
        &ns_key,
        false,
        &dest("https://kubernetes.default.svc", "app"),
    )
    .expect_err("denied");
    assert_eq!(
        message,
        "resource :Namespace is not permitted in project team"
    );

    let mut resource = Resource::desired(object("v1", "Namespace", "", "extra", &[]));
    resource.permitted = Err(message);
    let mut sim = Sim::new();
    let mut op = start(vec![resource, Resource::desired(cm("c", 0))], request());
    sim.run(&mut op, 3);
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(
        op.message(),
        "one or more synchronization tasks are not valid: resource :Namespace is not permitted in project team"
    );
    assert_eq!(
        op.tasks
            .iter()
            .find(|t| t.key == ns_key)
            .map(|t| t.message.as_str()),
        Some("resource :Namespace is not permitted in project team")
    );
}

#[test]
fn namespaced_white_and_black_lists() {
    let open = project(json!({}));
    assert!(
        kind_permitted(&open, "apps", "Deployment", "web", true),
        "unset whitelist allows all"
    );
    let none = project(json!({"namespaceResourceWhitelist": []}));
    assert!(
        !kind_permitted(&none, "apps", "Deployment", "web", true),
        "empty whitelist allows none"
    );
    let no_secrets =
        project(json!({"namespaceResourceBlacklist": [{"group": "", "kind": "Secret"}]}));
    assert!(!kind_permitted(&no_secrets, "", "Secret", "s", true));
    assert!(kind_permitted(&no_secrets, "", "ConfigMap", "c", true));
    let apps_only =
        project(json!({"namespaceResourceWhitelist": [{"group": "apps", "kind": "*"}]}));
    assert!(kind_permitted(
        &apps_only,
        "apps",
        "StatefulSet",
        "db",
        true
    ));
    assert!(!kind_permitted(&apps_only, "", "Service", "db", true));
}

#[test]
fn cluster_scoped_lists_with_names() {
    let p = project(json!({
        "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        "clusterResourceBlacklist": [{"group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin-*"}]
    }));
    assert!(kind_permitted(&p, "", "Namespace", "x", false));
    assert!(kind_permitted(
        &p,
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "reader",
        false
    ));
    assert!(!kind_permitted(
        &p,
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "admin-all",
        false
    ));
    assert!(kind_permitted(
        &AppProject::default_project(),
        "",
        "Namespace",
        "x",
        false
    ));
}

#[test]
fn a_namespace_outside_the_destinations_is_refused() {
    let p = project(json!({"destinations": [{"server": "*", "namespace": "app"}]}));
    let key = ResourceKey::new("", "ConfigMap", "other", "c");
    assert_eq!(
        check_resource(
            &p,
            &key,
            true,
            &dest("https://kubernetes.default.svc", "app")
        ),
        Err("namespace other is not permitted in project 'team'".into())
    );
    let inside = ResourceKey::new("", "ConfigMap", "app", "c");
    assert_eq!(
        check_resource(
            &p,
            &inside,
            true,
            &dest("https://kubernetes.default.svc", "app")
        ),
        Ok(())
    );
}
