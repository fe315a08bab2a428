//! Sync option parsing (§3.1–3.2).

use plumb::engine::policy::{Propagation, ResourceOptions, SyncOptions};
use serde_json::json;

#[test]
fn app_level_options_are_exact_matches() {
    let options = SyncOptions::parse(&[
        "CreateNamespace=true".into(),
        " PruneLast=true ".into(),
        "ServerSideApply=true".into(),
        "Validate=false".into(),
        "PrunePropagationPolicy=background".into(),
        "ApplyOutOfSyncOnly=True".into(),
    ]);
    assert!(options.create_namespace);
    assert!(options.prune_last);
    assert!(options.server_side_apply);
    assert!(!options.validate);
    assert_eq!(options.propagation, Propagation::Background);
    assert!(!options.apply_out_of_sync_only, "values are case-sensitive");
    assert!(options.client_side_apply_migration);
    let defaults = SyncOptions::parse(&[]);
    assert!(defaults.validate);
    assert_eq!(defaults.propagation, Propagation::Foreground);
    assert_eq!(Propagation::Orphan.as_api_str(), "Orphan");
    let orphan = SyncOptions::parse(&["PrunePropagationPolicy=orphan".into()]);
    assert_eq!(orphan.propagation, Propagation::Orphan);
}

#[test]
fn resource_annotation_options() {
    let obj = json!({"metadata": {"annotations": {
        "argocd.argoproj.io/sync-options": "Prune=false, Replace=true,ServerSideApply=false,ServerSideApply=true"
    }}});
    let options = ResourceOptions::of(Some(&obj));
    assert!(options.prune_disabled());
    assert!(options.replace());
    assert!(!options.force());
    assert_eq!(
        options.server_side_apply(),
        Some(false),
        "the first key= entry wins"
    );
    assert_eq!(options.value("Replace"), Some("true"));
    assert_eq!(ResourceOptions::of(None), ResourceOptions::default());
    assert_eq!(
        ResourceOptions::of(Some(&json!({}))).server_side_apply(),
        None
    );
}

#[test]
fn fail_on_shared_resource() {
    let warning = "ConfigMap/shared is part of applications shop and blog";
    let strict = SyncOptions::parse(&["FailOnSharedResource=true".into()]);
    assert_eq!(
        strict.shared_resource_failure(Some(warning)),
        Some(format!("Shared resource found: {warning}"))
    );
    assert_eq!(strict.shared_resource_failure(None), None);
    assert_eq!(
        SyncOptions::parse(&[]).shared_resource_failure(Some(warning)),
        None
    );
}
