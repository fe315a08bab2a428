//! Unknown-field detection against the bundled OpenAPI v3 schemas (and a
//! CRD's own schema), for `fieldValidation=Strict|Warn`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;

use super::resources::Resource;

type Documents = Mutex<HashMap<String, Option<&'static Value>>>;

fn documents() -> &'static Documents {
    static DOCS: OnceLock<Documents> = OnceLock::new();
    DOCS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The OpenAPI v3 document of a group/version, decoded once.
fn document(group: &str, version: &str) -> Option<&'static Value> {
    let path = if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    };
    let mut docs = documents().lock().unwrap_or_else(PoisonError::into_inner);
    *docs.entry(path.clone()).or_insert_with(|| {
        let bytes = super::http::openapi::V3.iter().find(|(p, _)| *p == path)?.1;
        let raw = super::http::openapi::gunzip(bytes)?;
        let doc: Value = serde_json::from_slice(&raw).ok()?;
        // Each document is parsed once and kept for the life of the process.
        Some(&*Box::leak(Box::new(doc)))
    })
}

fn kind_schema<'a>(doc: &'a Value, r: &Resource) -> Option<&'a Value> {
    doc.pointer("/components/schemas")?
        .as_object()?
        .values()
        .find(|s| {
            s["x-kubernetes-group-version-kind"]
                .as_array()
                .is_some_and(|gvks| {
                    gvks.iter().any(|g| {
                        g["group"] == r.group.as_str()
                            && g["version"] == r.version.as_str()
                            && g["kind"] == r.kind.as_str()
                    })
                })
        })
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let reference = schema["$ref"]
        .as_str()
        .or_else(|| schema["allOf"].get(0).and_then(|a| a["$ref"].as_str()));
    match reference.and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => doc
            .pointer(&format!("/components/schemas/{}", name.replace('/', "~1")))
            .unwrap_or(schema),
        None => schema,
    }
}

fn walk(doc: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(props) = schema["properties"].as_object() {
                for (k, v) in map {
                    let child = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    match props.get(k) {
                        Some(s) => walk(doc, s, v, &child, out),
                        None => out.push(child),
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (k, v) in map {
                    walk(doc, extra, v, &format!("{path}.{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    walk(doc, item_schema, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Paths of fields the schema does not know, e.g. `spec.replica`.
pub fn unknown_fields(resource: &Resource, crd: Option<&Value>, object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(crd) = crd {
        let version = crd["spec"]["versions"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["name"] == resource.version.as_str()));
        if let Some(schema) = version.and_then(|v| v.pointer("/schema/openAPIV3Schema")) {
            let mut body = object.clone();
            if let Some(map) = body.as_object_mut() {
                for key in ["apiVersion", "kind", "metadata"] {
                    map.remove(key);
                }
            }
            walk(&Value::Null, schema, &body, "", &mut out);
        }
        return out;
    }
    let Some(doc) = document(&resource.group, &resource.version) else {
        return out;
    };
    if let Some(schema) = kind_schema(doc, resource) {
        walk(doc, schema, object, "", &mut out);
    }
    out
}

fn prune_value(schema: &Value, value: &mut Value) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(props) = schema["properties"].as_object() {
                map.retain(|k, _| props.contains_key(k));
                for (k, v) in map.iter_mut() {
                    if let Some(s) = props.get(k) {
                        prune_value(s, v);
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                map.values_mut().for_each(|v| prune_value(extra, v));
            } else if schema.get("type").and_then(Value::as_str) == Some("object") {
                map.clear();
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                items.iter_mut().for_each(|v| prune_value(item_schema, v));
            }
        }
        _ => {}
    }
}

/// Drops the fields a custom resource's structural schema does not declare,
/// as the real server prunes them on every write.
pub fn prune(resource: &Resource, crd: &Value, object: &mut Value) {
    let version = crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == resource.version.as_str()));
    let Some(schema) = version.and_then(|v| v.pointer("/schema/openAPIV3Schema")) else {
        return;
    };
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let kept: Vec<(String, Value)> = ["apiVersion", "kind", "metadata"]
        .iter()
        .filter_map(|k| map.remove(*k).map(|v| ((*k).to_owned(), v)))
        .collect();
    prune_value(schema, object);
    if let Some(map) = object.as_object_mut() {
        map.extend(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_resources_lose_undeclared_fields() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object",
            "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}});
        let r = crate::sandbox::crd::resources_of(
            &json!({"spec": {"group": "g", "names": {"kind": "W", "plural": "ws"},
            "versions": [{"name": "v1", "served": true}]}}),
        )
        .remove(0);
        let mut o = json!({"apiVersion": "g/v1", "kind": "W", "metadata": {"name": "a"},
            "spec": {"size": 1, "colour": "red"}, "status": {"any": true}, "extra": 1});
        prune(&r, &crd, &mut o);
        assert_eq!(
            o,
            json!({"spec": {"size": 1}, "status": {"any": true},
            "apiVersion": "g/v1", "kind": "W", "metadata": {"name": "a"}})
        );
    }

    #[test]
    fn finds_misspelled_fields_in_a_deployment() {
        let r = super::super::resources::built_in()
            .into_iter()
            .find(|r| r.kind == "Deployment")
            .expect("deployments");
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "labels": {"x": "y"}},
            "spec": {"replica": 1, "template": {"spec": {"containers": [{"name": "c", "imagee": "x"}]}}}});
        assert_eq!(
            unknown_fields(&r, None, &d),
            vec!["spec.replica", "spec.template.spec.containers[0].imagee"]
        );
    }
}
