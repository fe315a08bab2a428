//! `RespectIgnoreDifferences=true`: the object a sync applies keeps the
//! live values of ignored fields instead of the desired ones.

use serde_json::Value;

use super::IgnoreRules;
use super::jq::Step;
use super::rules::{remove_paths, set_path, value_at};

/// `desired` with every field the pointer and jq rules ignore taken from
/// `live`. Where live has nothing there, the desired value stays (so a
/// create still gets it); `status` is never copied. Rules that fail are
/// skipped, as in the diff.
pub fn normalize_for_sync(desired: &Value, live: Option<&Value>, rules: &IgnoreRules) -> Value {
    let mut out = desired.clone();
    let Some(live) = live else {
        return out;
    };
    let mut warnings = Vec::new();
    for selection in rules.selections(live, &[desired, live], &mut warnings) {
        let not_status = |path: &&Vec<Step>| path.first() != Some(&Step::Key("status".into()));
        let in_live: Vec<(&Vec<Step>, &Value)> = selection.per_target[1]
            .iter()
            .filter(not_status)
            .filter_map(|path| value_at(live, path).map(|value| (path, value)))
            .collect();
        if in_live.is_empty() {
            continue;
        }
        let in_desired: Vec<Vec<Step>> = selection.per_target[0]
            .iter()
            .filter(not_status)
            .cloned()
            .collect();
        remove_paths(&mut out, &in_desired);
        for (path, value) in in_live {
            set_path(&mut out, path, value.clone());
        }
    }
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::diff::SystemDiffSettings;
    use crate::model::IgnoreDifferences;
    use serde_json::json;

    fn rules(rule: IgnoreDifferences) -> IgnoreRules {
        IgnoreRules::new(&[rule], &SystemDiffSettings::default())
    }

    #[test]
    fn ignored_pointer_takes_the_live_value() {
        let rules = rules(IgnoreDifferences {
            group: "apps".into(),
            kind: "Deployment".into(),
            json_pointers: vec!["/spec/replicas".into()],
            ..Default::default()
        });
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"replicas": 3, "paused": false}});
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"replicas": 7}, "status": {"replicas": 7}});
        let out = normalize_for_sync(&desired, Some(&live), &rules);
        assert_eq!(out["spec"], json!({"replicas": 7, "paused": false}));
        assert!(out.get("status").is_none());
        assert_eq!(normalize_for_sync(&desired, None, &rules), desired);
    }

    #[test]
    fn ignored_list_item_is_kept_from_live() {
        let rules = rules(IgnoreDifferences {
            group: "apps".into(),
            kind: "Deployment".into(),
            jq_path_expressions: vec![
                r#".spec.template.spec.initContainers[] | select(.name=="istio-init")"#.into(),
            ],
            ..Default::default()
        });
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"template": {"spec": {"initContainers": [{"name": "setup"}]}}}});
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"template": {"spec": {"initContainers": [
                {"name": "istio-init", "image": "proxy"}, {"name": "setup"}]}}}});
        let out = normalize_for_sync(&desired, Some(&live), &rules);
        assert_eq!(
            out["spec"]["template"]["spec"]["initContainers"],
            json!([{"name": "istio-init", "image": "proxy"}, {"name": "setup"}])
        );
    }
}
