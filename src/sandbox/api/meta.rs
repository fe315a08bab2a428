//! Object metadata the server owns: identity, timestamps, generation, and the
//! field order the real server writes.

use serde_json::{Map, Value};

use crate::sandbox::clock::format_time;

const TOP_ORDER: &[&str] = &["kind", "apiVersion", "metadata"];
const META_ORDER: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

fn reorder(map: &mut Map<String, Value>, order: &[&str]) {
    let mut out = Map::new();
    for key in order {
        if let Some(v) = map.remove(*key) {
            out.insert((*key).to_owned(), v);
        }
    }
    out.append(map);
    *map = out;
}

/// Puts kind, apiVersion and metadata first and metadata fields in the
/// server's order; drops empty labels/annotations maps.
pub fn canonicalize(object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "labels",
            "annotations",
            "finalizers",
            "ownerReferences",
            "managedFields",
        ] {
            let empty = match meta.get(key) {
                Some(Value::Object(m)) => m.is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                Some(Value::Null) => true,
                _ => false,
            };
            if empty {
                meta.remove(key);
            }
        }
        reorder(meta, META_ORDER);
    }
    reorder(map, TOP_ORDER);
}

pub fn meta_mut(object: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = object.as_object_mut()?;
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

pub fn meta_str<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get("metadata")?.get(key)?.as_str()
}

pub fn uid_of(object: &Value) -> &str {
    meta_str(object, "uid").unwrap_or("")
}

pub fn finalizers(object: &Value) -> Vec<String> {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub fn set_finalizers(object: &mut Value, list: Vec<String>) {
    if let Some(meta) = meta_mut(object) {
        if list.is_empty() {
            meta.remove("finalizers");
        } else {
            meta.insert("finalizers".into(), Value::from(list));
        }
    }
}

pub fn is_deleting(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// Fields clients may not set, removed from incoming objects.
const SERVER_OWNED: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

/// Copies the server-owned metadata of `from` (the stored object) onto `to`.
pub fn carry_server_fields(from: &Value, to: &mut Value) {
    let Some(meta) = meta_mut(to) else {
        return;
    };
    for key in SERVER_OWNED {
        meta.remove(*key);
        if let Some(v) = from.get("metadata").and_then(|m| m.get(*key)) {
            meta.insert((*key).to_owned(), v.clone());
        }
    }
}

/// Stamps a new object's identity.
pub fn stamp_new(object: &mut Value, uid: &str, now: jiff::Timestamp, has_generation: bool) {
    let Some(meta) = meta_mut(object) else {
        return;
    };
    for key in SERVER_OWNED {
        meta.remove(*key);
    }
    meta.insert("uid".into(), Value::from(uid));
    if has_generation {
        meta.insert("generation".into(), Value::from(1));
    }
    meta.insert("creationTimestamp".into(), Value::from(format_time(now)));
}

/// Everything but metadata and status: what a generation counts.
pub fn spec_part(object: &Value) -> Value {
    let mut out = object.as_object().cloned().unwrap_or_default();
    for key in ["metadata", "status", "kind", "apiVersion"] {
        out.remove(key);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_order_matches_the_server() {
        let mut o = json!({"data": {}, "metadata": {"labels": {}, "uid": "u", "name": "n"},
            "apiVersion": "v1", "kind": "ConfigMap"});
        canonicalize(&mut o);
        assert_eq!(
            serde_json::to_string(&o).expect("json"),
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"n","uid":"u"},"data":{}}"#
        );
    }
}
