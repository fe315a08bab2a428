use serde_json::json;

use super::*;

fn config_map(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"}, "data": data})
}

#[test]
fn live_absent_is_modified_and_predicted_is_desired() {
    let desired = config_map(json!({"a": "1"}));
    let result = diff(Some(&desired), None, &IgnoreRules::default()).expect("diff");
    assert!(result.modified);
    assert_eq!(result.predicted_live, Some(desired.clone()));
    assert_eq!(result.normalized_live, None);
}

#[test]
fn desired_absent_is_not_modified() {
    let live = config_map(json!({"a": "1"}));
    let result = diff(None, Some(&live), &IgnoreRules::default()).expect("diff");
    assert!(!result.modified);
    assert_eq!(result.predicted_live, None);
    assert_eq!(result.normalized_live, Some(live));
}

#[test]
fn tracking_annotation_stamped_by_the_sync_is_not_drift() {
    let desired = config_map(json!({"a": "1"}));
    let mut live = desired.clone();
    live["metadata"]["annotations"] =
        json!({"plumb.dev/tracking-id": "app:/ConfigMap:default/cfg"});
    let result = diff(Some(&desired), Some(&live), &IgnoreRules::default()).expect("diff");
    assert!(!result.modified, "{:?}", result.changed_paths);
    let mut tracked = desired.clone();
    tracked["metadata"]["annotations"] =
        json!({"plumb.dev/tracking-id": "app:/ConfigMap:default/cfg"});
    let result = diff(Some(&tracked), Some(&desired), &IgnoreRules::default()).expect("diff");
    assert!(
        result.modified,
        "desired tracking missing from live is drift"
    );
}

#[test]
fn server_side_uses_the_dry_run_result() {
    let desired = config_map(json!({"a": "1"}));
    let live = config_map(json!({"a": "1"}));
    let mut dry_run = live.clone();
    dry_run["data"]["a"] = json!("mutated-by-webhook");
    let options = DiffOptions {
        server_side: true,
        server_predicted_live: Some(dry_run),
    };
    let result = diff_with(
        Some(&desired),
        Some(&live),
        &IgnoreRules::default(),
        &options,
    )
    .expect("diff");
    assert!(result.modified);
    assert_eq!(result.changed_paths[0].path, "data.a");
}

#[test]
fn non_objects_are_refused_with_the_object_named() {
    let desired = config_map(json!({}));
    let err = diff(
        Some(&desired),
        Some(&json!("text")),
        &IgnoreRules::default(),
    )
    .expect_err("not an object");
    assert_eq!(
        err.to_string(),
        "ConfigMap default/cfg: live state is not an object"
    );
}

#[test]
fn blame_reads_like_a_sentence() {
    let line = Blame {
        path: "spec.replicas".into(),
        desired: Some(json!(3)),
        live: Some(json!(5)),
        manager: Some("kubectl".into()),
        operation: Some("Update".into()),
        subresource: Some("scale".into()),
        time: Some("2026-11-22T14:02:11Z".into()),
    };
    assert_eq!(
        line.to_string(),
        "spec.replicas 3 → 5, by kubectl (scale) at 14:02:11"
    );
    let unknown = Blame {
        manager: None,
        subresource: None,
        time: None,
        ..line
    };
    assert_eq!(
        unknown.to_string(),
        "spec.replicas 3 → 5, by an unknown writer"
    );
}

#[test]
fn jq_timeouts_are_reported_not_fatal() {
    let rule = crate::model::IgnoreDifferences {
        kind: "ConfigMap".into(),
        jq_path_expressions: vec![".data | select(last(range(1e15)) > 0)".into()],
        ..Default::default()
    };
    let rules = IgnoreRules::new(&[rule], &SystemDiffSettings::default())
        .with_jq_timeout(std::time::Duration::from_millis(20));
    let desired = config_map(json!({"a": "1"}));
    let live = config_map(json!({"a": "2"}));
    let result = diff(Some(&desired), Some(&live), &rules).expect("diff");
    assert!(result.modified);
    assert_eq!(result.warnings.len(), 1, "{:?}", result.warnings);
    assert!(result.warnings[0].contains("did not finish"));
}

#[test]
fn system_rules_for_core_kinds_and_every_kind_apply() {
    let cm = json!({"data": {
        "resource.customizations.ignoreDifferences.ConfigMap": "jsonPointers:\n- /data/a\n",
        "resource.customizations.ignoreDifferences.all": "jsonPointers:\n- /metadata/labels/team\n"
    }});
    let system = SystemDiffSettings::from_argocd_cm(&cm).expect("argocd-cm");
    let rules = IgnoreRules::new(&[], &system);
    let desired = config_map(json!({"a": "1", "b": "1"}));
    let mut live = config_map(json!({"a": "2", "b": "1"}));
    live["metadata"]["labels"] = json!({"team": "x"});
    let mut labelled = desired.clone();
    labelled["metadata"]["labels"] = json!({"team": "y"});
    assert!(
        !diff(Some(&labelled), Some(&live), &rules)
            .expect("diff")
            .modified
    );
    let other = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "cfg", "namespace": "default"}, "data": {"a": "MQ=="}});
    let mut other_live = other.clone();
    other_live["data"]["a"] = json!("Mg==");
    assert!(
        diff(Some(&other), Some(&other_live), &rules)
            .expect("diff")
            .modified
    );
}

#[test]
fn int_or_string_values_stay_as_given() {
    let service = |target_port: Value| {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"ports": [{"port": 80, "targetPort": target_port}]}})
    };
    let same = diff(
        Some(&service(json!("8080"))),
        Some(&service(json!("8080"))),
        &IgnoreRules::default(),
    )
    .expect("diff");
    assert!(!same.modified);
    let desired = same.normalized_desired.expect("desired");
    assert_eq!(desired["spec"]["ports"][0]["targetPort"], json!("8080"));
    let other = diff(
        Some(&service(json!("8080"))),
        Some(&service(json!(8080))),
        &IgnoreRules::default(),
    )
    .expect("diff");
    assert!(
        other.modified,
        "a string and a number are different IntOrStrings"
    );
}
