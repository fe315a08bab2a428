//! Desired/live comparisons on recorded-shape fixtures (tests/fixtures/diff):
//! each file holds desired, live, optional app rules and argocd-cm, and the
//! expected verdict, drifted paths, blame lines and masks.

use std::path::PathBuf;
use std::time::Duration;

use plumb::engine::diff::{
    IgnoreRules, ResourceDiff, SystemDiffSettings, blame, diff, mask_secrets, text_diff,
};
use plumb::model::IgnoreDifferences;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    desired: Option<Value>,
    live: Option<Value>,
    #[serde(default)]
    rules: Vec<IgnoreDifferences>,
    #[serde(default)]
    argocd_cm: Option<Value>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    modified: bool,
    changed: Vec<String>,
    #[serde(default)]
    blame: Vec<String>,
    #[serde(default)]
    without_rules_modified: Option<bool>,
    #[serde(default)]
    warnings: usize,
    /// Per changed path, the masks shown for desired and live.
    #[serde(default)]
    masks: std::collections::BTreeMap<String, (String, String)>,
    /// Text that must not appear in any output.
    #[serde(default)]
    never_shown: Vec<String>,
}

fn load(name: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn rules_of(fixture: &Fixture) -> IgnoreRules {
    let system = fixture
        .argocd_cm
        .as_ref()
        .map(|cm| SystemDiffSettings::from_argocd_cm(cm).expect("argocd-cm parses"))
        .unwrap_or_default();
    IgnoreRules::new(&fixture.rules, &system)
}

fn run(name: &str) -> ResourceDiff {
    let fixture = load(name);
    let result = diff(
        fixture.desired.as_ref(),
        fixture.live.as_ref(),
        &rules_of(&fixture),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let expect = &fixture.expect;
    let changed: Vec<&str> = result
        .changed_paths
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(changed, expect.changed, "{name}: changed paths");
    assert_eq!(result.modified, expect.modified, "{name}: modified");
    assert_eq!(
        result.warnings.len(),
        expect.warnings,
        "{name}: warnings {:?}",
        result.warnings
    );
    if let Some(live) = &fixture.live
        && !expect.blame.is_empty()
    {
        let lines: Vec<String> = blame(&result, live)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines, expect.blame, "{name}: blame");
    }
    if let Some(without) = expect.without_rules_modified {
        let bare = diff(
            fixture.desired.as_ref(),
            fixture.live.as_ref(),
            &IgnoreRules::default(),
        )
        .expect("diff without rules");
        assert_eq!(bare.modified, without, "{name}: modified without the rules");
    }
    for (path, (desired_mask, live_mask)) in &expect.masks {
        let change = result
            .changed_paths
            .iter()
            .find(|c| &c.path == path)
            .unwrap_or_else(|| panic!("{name}: no change at {path}"));
        assert_eq!(
            change.desired.as_ref(),
            Some(&Value::from(desired_mask.as_str()))
        );
        assert_eq!(change.live.as_ref(), Some(&Value::from(live_mask.as_str())));
    }
    if !expect.never_shown.is_empty() {
        assert_nothing_shown(name, &fixture, &result, &expect.never_shown);
    }
    result
}

/// Every display output: changed paths, blame, the masked copies, the text
/// diff and mask_secrets on the raw objects.
fn assert_nothing_shown(name: &str, fixture: &Fixture, result: &ResourceDiff, secrets: &[String]) {
    let mut outputs = vec![
        format!("{:?}", result.changed_paths),
        format!("{:?}", result.masked()),
        text_diff(result, Duration::from_secs(5), 3).unified,
    ];
    if let Some(live) = &fixture.live {
        outputs.extend(blame(result, live).iter().map(ToString::to_string));
    }
    let (mut desired, mut live) = (fixture.desired.clone(), fixture.live.clone());
    mask_secrets(&mut desired, &mut live);
    outputs.push(format!("{desired:?} {live:?}"));
    for output in &outputs {
        for secret in secrets {
            assert!(
                !output.contains(secret.as_str()),
                "{name}: {secret:?} shown in {output}"
            );
        }
    }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
    };
}

fixtures!(
    payments_scale_drift,
    payments_hpa_ignored,
    payments_rule_for_other_name,
    synced_deployment,
    synced_service,
    synced_service_lb,
    synced_ingress,
    synced_hpa,
    synced_configmap,
    synced_daemonset,
    synced_cronjob,
    synced_job,
    synced_pvc,
    synced_role,
    synced_networkpolicy,
    synced_pdb,
    synced_statefulset,
    statefulset_claim_size_changed,
    synced_custom_resource,
    custom_resource_changed,
    secret_string_data_equal,
    secret_changed_key,
    t20_three_way_removed_annotation,
    t20_two_way_removed_annotation,
    t20_live_extras_only,
    t21_status_only,
    t21_status_compared,
    jq_istio_init,
    jq_istio_init_other_item_changed,
    jq_hpa_metric_targets,
    jq_broken_expression,
    managers_istio_sidecar,
    managers_istio_sidecar_unlisted,
    quantities_canonical,
    quantities_equal,
);

#[test]
fn every_fixture_file_has_a_test() {
    let source = include_str!("diff_fixtures.rs");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff");
    for entry in std::fs::read_dir(dir).expect("fixture dir") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        assert!(
            source.contains(&format!("    {stem},")),
            "{stem} has no test"
        );
    }
}
