//! Update rules: fields that may not change once set, with the real
//! server's messages, and server-allocated values an update keeps.

use serde_json::{Map, Value};

use super::errors::Cause;

fn go_string_map(m: Option<&Map<String, Value>>) -> String {
    match m {
        None => "map[string]string(nil)".into(),
        Some(m) => {
            let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("\"{k}\":\"{}\"", v.as_str().unwrap_or_default()))
                .collect();
            format!("map[string]string{{{}}}", inner.join(", "))
        }
    }
}

/// Go's `%#v` of a `*metav1.LabelSelector`, as "field is immutable" prints it.
fn go_label_selector(sel: &Value) -> String {
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_owned(),
        Some(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|e| {
                    let values = match e.get("values").and_then(Value::as_array) {
                        None => "[]string(nil)".to_owned(),
                        Some(vs) => format!(
                            "[]string{{{}}}",
                            vs.iter()
                                .map(|v| format!("\"{}\"", v.as_str().unwrap_or_default()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    format!(
                        "v1.LabelSelectorRequirement{{Key:\"{}\", Operator:\"{}\", Values:{values}}}",
                        e["key"].as_str().unwrap_or_default(),
                        e["operator"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{exprs}}}",
        go_string_map(sel.get("matchLabels").and_then(Value::as_object))
    )
}

/// A StatefulSet may change only a few spec fields after creation.
fn statefulset_fixed_fields_changed(old: &Value, new: &Value) -> bool {
    const MUTABLE: &[&str] = &[
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
    ];
    let fixed = |o: &Value| -> Map<String, Value> {
        o.get("spec")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !MUTABLE.contains(&k.as_str()) && *k != "selector")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    fixed(old) != fixed(new)
}

/// Why an update of `old` to `new` is refused; empty when allowed.
pub fn update_causes(group: &str, kind: &str, old: &Value, new: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let changed = |p: &str| old.pointer(p) != new.pointer(p);
    match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") | ("batch", "Job")
            if changed("/spec/selector") =>
        {
            if let Some(sel) = new.pointer("/spec/selector") {
                causes.push(Cause::invalid(
                    "spec.selector",
                    &go_label_selector(sel),
                    "field is immutable",
                ));
            }
        }
        ("apps", "StatefulSet") if statefulset_fixed_fields_changed(old, new) => {
            causes.push(Cause {
                reason: "FieldValueForbidden",
                message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden".into(),
                field: "spec".into(),
            });
        }
        ("", "ConfigMap" | "Secret") if old.get("immutable") == Some(&Value::Bool(true)) => {
            for field in ["data", "binaryData"] {
                if old.get(field) != new.get(field) {
                    causes.push(Cause {
                        reason: "FieldValueForbidden",
                        message: "Forbidden: field is immutable when `immutable` is set".into(),
                        field: field.into(),
                    });
                }
            }
            if new.get("immutable") != Some(&Value::Bool(true)) {
                causes.push(Cause {
                    reason: "FieldValueForbidden",
                    message: "Forbidden: field is immutable when `immutable` is set".into(),
                    field: "immutable".into(),
                });
            }
        }
        ("", "Service") if changed("/spec/clusterIPs") => {
            let ips = new.pointer("/spec/clusterIPs").and_then(Value::as_array);
            let shown: Vec<String> = ips
                .map(|i| {
                    i.iter()
                        .map(|v| format!("\"{}\"", v.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            causes.push(Cause::invalid(
                "spec.clusterIPs[0]",
                &format!("[]string{{{}}}", shown.join(", ")),
                "may not change once set",
            ));
        }
        _ => {}
    }
    causes
}

/// Copies what the server allocated (a Service's cluster IPs and node
/// ports) into an update that leaves them out.
pub fn keep_allocations(group: &str, kind: &str, old: &Value, new: &mut Value) {
    if !(group.is_empty() && kind == "Service") {
        return;
    }
    let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for key in ["clusterIP", "clusterIPs"] {
        let missing = spec.get(key).is_none_or(|v| v.is_null() || v == "");
        if missing && let Some(v) = old.pointer(&format!("/spec/{key}")) {
            spec.insert(key.into(), v.clone());
        }
    }
    let old_ports = old
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            if p.contains_key("nodePort") {
                continue;
            }
            let same = old_ports
                .iter()
                .find(|o| o["port"] == p["port"] && o.get("nodePort").is_some());
            if let Some(node_port) = same.and_then(|o| o.get("nodePort")) {
                p.insert("nodePort".into(), node_port.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changing_a_deployment_selector_is_refused_with_the_go_rendering() {
        let old = json!({"spec": {"selector": {"matchLabels": {"app": "web"}}}});
        let new = json!({"spec": {"selector": {"matchLabels": {"app": "web2"}}}});
        let causes = update_causes("apps", "Deployment", &old, &new);
        assert_eq!(
            causes[0].message,
            "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        );
    }

    #[test]
    fn statefulsets_refuse_changes_outside_the_mutable_fields() {
        let old = json!({"spec": {"replicas": 1, "serviceName": "db", "template": {}}});
        let scaled = json!({"spec": {"replicas": 3, "serviceName": "db", "template": {"x": 1}}});
        assert!(update_causes("apps", "StatefulSet", &old, &scaled).is_empty());
        let renamed = json!({"spec": {"replicas": 1, "serviceName": "other", "template": {}}});
        assert_eq!(
            update_causes("apps", "StatefulSet", &old, &renamed)[0].field,
            "spec"
        );
    }

    #[test]
    fn a_service_update_keeps_its_cluster_ip() {
        let old = json!({"spec": {"clusterIP": "10.96.0.9", "clusterIPs": ["10.96.0.9"], "ports": [{"port": 80, "nodePort": 30001}]}});
        let mut new = json!({"spec": {"ports": [{"port": 80}]}});
        keep_allocations("", "Service", &old, &mut new);
        assert_eq!(new["spec"]["clusterIP"], "10.96.0.9");
        assert_eq!(new["spec"]["ports"][0]["nodePort"], 30001);
        assert!(update_causes("", "Service", &old, &new).is_empty());
    }
}
