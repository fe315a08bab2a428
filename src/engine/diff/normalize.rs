//! Pre-diff normalization (§6.1): server-written metadata out, Secret
//! `stringData` folded into `data`, empty Role rules, Endpoints defaults,
//! canonical quantities, and tracking metadata the sync stamps itself.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::quantity::canonicalize_quantities;
use crate::model::{group_of, kind_of};
use crate::sandbox::patch::{FieldSet, Gvk, Shape, schema};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Tracking annotations: plumb's own and Argo CD's.
pub const TRACKING_ANNOTATIONS: [&str; 2] =
    ["plumb.dev/tracking-id", "argocd.argoproj.io/tracking-id"];
const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
const SERVER_METADATA: [&str; 6] = [
    "creationTimestamp",
    "uid",
    "resourceVersion",
    "generation",
    "managedFields",
    "selfLink",
];

/// One live `managedFields` entry with its field set decoded.
#[derive(Debug, Clone)]
pub struct ManagedEntry {
    pub manager: String,
    pub operation: String,
    pub subresource: String,
    pub time: Option<String>,
    pub fields: FieldSet,
}

/// The managedFields entries of an object.
pub fn managed_entries(object: &Value) -> Vec<ManagedEntry> {
    let Some(entries) = object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
            Some(ManagedEntry {
                manager: text("manager")?,
                operation: text("operation").unwrap_or_default(),
                subresource: text("subresource").unwrap_or_default(),
                time: text("time"),
                fields: entry
                    .get("fieldsV1")
                    .map(FieldSet::from_fields_v1)
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// An object ready for comparison, and its parsed last-applied configuration.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub object: Value,
    pub last_applied: Option<Value>,
}

/// True when the kind is described by the bundled schema (built-in kinds).
pub fn is_builtin(object: &Value) -> bool {
    schema().root(&Gvk::of(object)).is_some()
}

/// Normalizes one side of a comparison.
pub fn prepare(object: &Value, ignore_aggregated_roles: bool) -> Prepared {
    let last_applied = crate::model::annotation(object, LAST_APPLIED)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(Value::is_object)
        .map(|orig| normalize(orig, ignore_aggregated_roles));
    Prepared {
        object: normalize(object.clone(), ignore_aggregated_roles),
        last_applied,
    }
}

fn normalize(mut object: Value, ignore_aggregated_roles: bool) -> Value {
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        for field in SERVER_METADATA {
            metadata.shift_remove(field);
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            annotations.shift_remove(LAST_APPLIED);
        }
        for map in ["annotations", "labels"] {
            if metadata
                .get(map)
                .is_some_and(|m| m.is_null() || m.as_object().is_some_and(Map::is_empty))
            {
                metadata.shift_remove(map);
            }
        }
    }
    let builtin = is_builtin(&object);
    match (group_of(&object), kind_of(&object)) {
        ("", "Secret") => fold_string_data(&mut object),
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => {
            normalize_role(&mut object, ignore_aggregated_roles);
        }
        ("", "Endpoints") => normalize_endpoints(&mut object),
        _ => {}
    }
    drop_nulls_and_float_noise(&mut object);
    if builtin {
        let kind = kind_of(&object).to_owned();
        canonicalize_quantities(&mut object, &kind);
        let shape = schema().root(&Gvk::of(&object));
        drop_empty_collections(&mut object, shape);
    }
    object
}

/// `stringData` entries are base64-encoded into `data`; null data values become "".
fn fold_string_data(secret: &mut Value) {
    let Some(map) = secret.as_object_mut() else {
        return;
    };
    let string_data = map.shift_remove("stringData");
    if let Some(Value::Object(entries)) = string_data {
        let data = map
            .entry("data")
            .or_insert_with(|| Value::Object(Map::new()));
        if data.is_null() {
            *data = Value::Object(Map::new());
        }
        if let Value::Object(data) = data {
            for (key, value) in entries {
                let text = match value {
                    Value::String(text) => text,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                data.insert(key, Value::String(encoded));
            }
        }
    }
    if let Some(Value::Object(data)) = map.get_mut("data") {
        for value in data.values_mut() {
            if value.is_null() {
                *value = Value::String(String::new());
            }
        }
    }
}

fn normalize_role(role: &mut Value, ignore_aggregated_roles: bool) {
    let Some(map) = role.as_object_mut() else {
        return;
    };
    let empty = map
        .get("rules")
        .is_some_and(|rules| rules.as_array().is_some_and(Vec::is_empty));
    let aggregated = ignore_aggregated_roles && map.contains_key("aggregationRule");
    if empty || aggregated {
        map.insert("rules".into(), Value::Null);
    }
}

/// Missing port protocols default to TCP; subsets, their addresses and
/// ports are sorted.
fn normalize_endpoints(endpoints: &mut Value) {
    let Some(Value::Array(subsets)) = endpoints.get_mut("subsets") else {
        return;
    };
    for subset in subsets.iter_mut() {
        if let Some(Value::Array(ports)) = subset.get_mut("ports") {
            for port in ports.iter_mut() {
                if let Value::Object(port) = port {
                    port.entry("protocol")
                        .or_insert_with(|| Value::String("TCP".into()));
                }
            }
        }
        for list in ["addresses", "notReadyAddresses", "ports"] {
            if let Some(Value::Array(items)) = subset.get_mut(list) {
                items.sort_by_key(|item| item.to_string());
            }
        }
    }
    subsets.sort_by_key(|subset| subset.to_string());
}

/// A null map value means "absent" for the server's typed round-trip; whole
/// floats (`3.0`) are the integer they denote.
fn drop_nulls_and_float_noise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, child| !child.is_null());
            map.values_mut().for_each(drop_nulls_and_float_noise);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls_and_float_noise),
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() < 9.0e15
            {
                // Exact: a whole float below 2^53 converts to i64 without loss.
                *value = Value::from(float as i64);
            }
        }
        _ => {}
    }
}

/// Empty lists and empty string maps (`env: []`, `nodeSelector: {}`) are
/// dropped: the server's typed round-trip omits them. Empty structs
/// (`securityContext: {}`) are kept, as the server keeps them.
fn drop_empty_collections(value: &mut Value, shape: Option<Shape<'_>>) {
    match value {
        Value::Object(map) => {
            map.retain(|key, child| {
                let child_shape = shape.and_then(|s| s.field(key));
                match child {
                    Value::Array(items) => !items.is_empty(),
                    Value::Object(fields) if fields.is_empty() => {
                        child_shape.is_none_or(|s| s.is_struct())
                    }
                    _ => true,
                }
            });
            for (key, child) in map.iter_mut() {
                drop_empty_collections(child, shape.and_then(|s| s.field(key)));
            }
        }
        Value::Array(items) => {
            let item_shape = shape.and_then(|s| s.items());
            items
                .iter_mut()
                .for_each(|item| drop_empty_collections(item, item_shape));
        }
        _ => {}
    }
}

/// The tracking metadata the sync stamps does not count as drift when the
/// desired object lacks it; neither does an instance label only live has.
pub fn normalize_tracking(desired: &Value, live: &mut Value) {
    let Some(Value::Object(metadata)) = live.get_mut("metadata") else {
        return;
    };
    for (map_name, keys) in [
        ("annotations", &TRACKING_ANNOTATIONS[..]),
        ("labels", &[INSTANCE_LABEL][..]),
    ] {
        let Some(Value::Object(map)) = metadata.get_mut(map_name) else {
            continue;
        };
        for key in keys {
            let in_desired = desired
                .get("metadata")
                .and_then(|m| m.get(map_name))
                .and_then(|m| m.get(*key))
                .is_some();
            if !in_desired {
                map.shift_remove(*key);
            }
        }
        if map.is_empty() {
            metadata.shift_remove(map_name);
        }
    }
}

/// The namespace is dropped from the desired side and from last-applied:
/// the server fills it in.
pub fn drop_namespace(object: &mut Value) {
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        metadata.shift_remove("namespace");
    }
}

/// StatefulSet `volumeClaimTemplates` are replaced whole by a patch; the
/// fields the server defaults into them are taken out of live first when
/// the desired template does not set them.
pub fn strip_claim_template_defaults(desired: &Value, live: &mut Value) {
    if (group_of(live), kind_of(live)) != ("apps", "StatefulSet") {
        return;
    }
    let wanted = desired
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array);
    let Some(Value::Array(templates)) = live.pointer_mut("/spec/volumeClaimTemplates") else {
        return;
    };
    for template in templates.iter_mut() {
        let name = template.pointer("/metadata/name").cloned();
        let twin = wanted
            .and_then(|list| {
                list.iter()
                    .find(|t| t.pointer("/metadata/name").cloned() == name)
            })
            .cloned()
            .unwrap_or(Value::Null);
        let Value::Object(map) = template else {
            continue;
        };
        for field in ["apiVersion", "kind", "status"] {
            if twin.get(field).is_none() {
                map.shift_remove(field);
            }
        }
        if twin.pointer("/spec/volumeMode").is_none()
            && let Some(Value::Object(spec)) = map.get_mut("spec")
        {
            spec.shift_remove("volumeMode");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_string_data_is_folded_into_data() {
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                             "stringData": {"a": "x"}, "data": {"b": null}});
        let prepared = prepare(&desired, false);
        assert_eq!(prepared.object["data"], json!({"b": "", "a": "eA=="}));
        assert!(prepared.object.get("stringData").is_none());
    }

    #[test]
    fn server_metadata_and_last_applied_are_removed() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "c", "uid": "u", "resourceVersion": "1", "generation": 1,
            "creationTimestamp": "t", "managedFields": [],
            "annotations": {LAST_APPLIED: "{\"kind\":\"ConfigMap\",\"metadata\":{\"namespace\":\"x\"}}"}
        }});
        let prepared = prepare(&live, false);
        assert_eq!(prepared.object["metadata"], json!({"name": "c"}));
        assert_eq!(
            prepared.last_applied,
            Some(json!({"kind": "ConfigMap", "metadata": {"namespace": "x"}}))
        );
    }

    #[test]
    fn empty_lists_and_maps_are_dropped_but_empty_structs_kept() {
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {
            "metadata": {"annotations": {}},
            "spec": {"nodeSelector": {}, "securityContext": {}, "volumes": [],
                     "containers": [{"name": "a", "env": [], "resources": {}}]}}}});
        let prepared = prepare(&desired, false).object;
        assert_eq!(
            prepared["spec"]["template"],
            json!({"metadata": {}, "spec": {"securityContext": {},
                   "containers": [{"name": "a", "resources": {}}]}})
        );
    }

    #[test]
    fn empty_role_rules_and_endpoint_protocols() {
        let role =
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "rules": []});
        assert!(prepare(&role, false).object.get("rules").is_none());
        let endpoints = json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [
            {"ports": [{"port": 80}]}]});
        assert_eq!(
            prepare(&endpoints, false).object["subsets"][0]["ports"][0]["protocol"],
            "TCP"
        );
    }
}
