//! Reading Lua health overrides from argocd-cm and layering settings.

use std::path::Path;

use plumb::engine::health::{
    HealthConfig, HealthConfigError, HealthStatus, ScriptOverride, assess,
};
use serde_json::{Value, json};

fn cm(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}, "data": data})
}

fn object(api_version: &str, kind: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "ns"}})
}

#[test]
fn split_key_with_group_maps_to_group_slash_kind() {
    let config = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.health.cert-manager.io_Certificate": "return {status = \"Healthy\"}",
        "resource.customizations.health.Pod": "return {status = \"Degraded\"}",
    })))
    .unwrap();
    let keys: Vec<&String> = config.overrides().keys().collect();
    assert_eq!(keys, ["Pod", "cert-manager.io/Certificate"]);
    let cert = assess(&object("cert-manager.io/v1", "Certificate"), &config).unwrap();
    assert_eq!(cert.status, HealthStatus::Healthy);
    let pod = assess(&object("v1", "Pod"), &config).unwrap();
    assert_eq!(pod.status, HealthStatus::Degraded);
}

#[test]
fn split_key_with_two_underscores_is_an_error_naming_the_key() {
    let err = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.health.example.com_Foo_Bar": "return nil",
    })))
    .unwrap_err();
    assert!(matches!(err, HealthConfigError::BadSplitKey { .. }));
    assert!(
        err.to_string()
            .contains("resource.customizations.health.example.com_Foo_Bar"),
        "{err}"
    );
}

#[test]
fn use_open_libs_must_be_a_boolean() {
    let err = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.useOpenLibs.example.com_Foo": "sometimes",
    })))
    .unwrap_err();
    assert!(err.to_string().contains("sometimes"), "{err}");
    assert!(
        err.to_string()
            .contains("resource.customizations.useOpenLibs.example.com_Foo"),
        "{err}"
    );
}

#[test]
fn split_use_open_libs_enables_libraries_for_a_split_script() {
    let script = "return {status = \"Healthy\", message = string.rep(\"a\", 2)}";
    let without = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.health.example.com_Foo": script,
    })))
    .unwrap();
    let with = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.health.example.com_Foo": script,
        "resource.customizations.useOpenLibs.example.com_Foo": "true",
    })))
    .unwrap();
    let obj = object("example.com/v1", "Foo");
    assert_eq!(
        assess(&obj, &without).unwrap().status,
        HealthStatus::Unknown
    );
    assert_eq!(assess(&obj, &with).unwrap().message, "aa");
}

#[test]
fn split_keys_win_over_the_combined_yaml() {
    let config = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations": "example.com/Foo:\n  health.lua: return {status = \"Degraded\"}\n",
        "resource.customizations.health.example.com_Foo": "return {status = \"Suspended\"}",
    })))
    .unwrap();
    let health = assess(&object("example.com/v1", "Foo"), &config).unwrap();
    assert_eq!(health.status, HealthStatus::Suspended);
}

#[test]
fn malformed_combined_yaml_is_an_error() {
    let err = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations": "example.com/Foo:\n  health.lua: [1, 2]\n",
    })))
    .unwrap_err();
    assert!(err.to_string().contains("example.com/Foo"), "{err}");
}

#[test]
fn exact_key_wins_over_a_matching_glob() {
    let config = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations": concat!(
            "\"*.example.com/*\":\n  health.lua: return {status = \"Degraded\"}\n",
            "apps.example.com/Foo:\n  health.lua: return {status = \"Healthy\"}\n",
        ),
    })))
    .unwrap();
    let exact = assess(&object("apps.example.com/v1", "Foo"), &config).unwrap();
    assert_eq!(exact.status, HealthStatus::Healthy);
    let by_glob = assess(&object("apps.example.com/v1", "Bar"), &config).unwrap();
    assert_eq!(by_glob.status, HealthStatus::Degraded);
    assert!(assess(&object("other.io/v1", "Bar"), &config).is_none());
}

#[test]
fn merge_layers_settings_over_a_file_field_by_field() {
    let mut base = HealthConfig::from_argocd_cm(&cm(json!({
        "resource.customizations.health.example.com_Foo": "return {status = \"Healthy\", message = string.lower(\"OK\")}",
    })))
    .unwrap();
    let mut layer = HealthConfig::default();
    layer.set_override(
        "example.com/Foo",
        ScriptOverride {
            health_lua: None,
            use_open_libs: Some(true),
        },
    );
    base.merge(layer);
    let health = assess(&object("example.com/v1", "Foo"), &base).unwrap();
    assert_eq!(health.message, "ok");
}

#[test]
fn a_configmap_without_data_gives_no_overrides() {
    let config = HealthConfig::from_argocd_cm(&json!({"kind": "ConfigMap"})).unwrap();
    assert!(config.overrides().is_empty());
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err =
        HealthConfig::from_argocd_cm_file(Path::new("/nonexistent/argocd-cm.yaml")).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/argocd-cm.yaml"),
        "{err}"
    );
}

#[test]
fn the_seed_configmap_file_loads_both_scripts() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health/argocd-cm-seed.yaml");
    let config = HealthConfig::from_argocd_cm_file(&path).unwrap();
    let keys: Vec<&String> = config.overrides().keys().collect();
    assert_eq!(keys, ["argoproj.io/Rollout", "cert-manager.io/Certificate"]);
}
