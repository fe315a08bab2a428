//! The scale subresource: an autoscaling/v1 Scale view of a workload.

use serde_json::{Map, Value, json};

use super::patch::PatchType;
use super::{State, Target, WriteOptions, Written};
use crate::sandbox::errors::ApiError;
use crate::sandbox::patch;

fn selector_string(selector: &Value) -> String {
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(exprs) = selector.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            parts.push(
                match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                    "In" => format!("{key} in ({})", values.join(",")),
                    "NotIn" => format!("{key} notin ({})", values.join(",")),
                    "DoesNotExist" => format!("!{key}"),
                    _ => key.to_owned(),
                },
            );
        }
    }
    parts.join(",")
}

fn pointer(path: &str) -> String {
    path.replace('.', "/")
}

/// The Scale of a stored object.
pub fn scale_of(target: &Target, object: &Value) -> Value {
    let paths =
        target
            .resource
            .scale
            .clone()
            .unwrap_or_else(|| crate::sandbox::resources::ScalePaths {
                spec_replicas: ".spec.replicas".into(),
                status_replicas: ".status.replicas".into(),
                label_selector: None,
            });
    let mut meta = Map::new();
    for key in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = object.get("metadata").and_then(|m| m.get(key)) {
            meta.insert(key.into(), v.clone());
        }
    }
    let spec_replicas = object.pointer(&pointer(&paths.spec_replicas)).cloned();
    let status_replicas = object
        .pointer(&pointer(&paths.status_replicas))
        .cloned()
        .unwrap_or(json!(0));
    let mut status = Map::new();
    status.insert("replicas".into(), status_replicas);
    if let Some(sel) = paths
        .label_selector
        .as_deref()
        .and_then(|p| object.pointer(&pointer(p)))
    {
        let text = match sel {
            Value::String(s) => s.clone(),
            other => selector_string(other),
        };
        status.insert("selector".into(), json!(text));
    }
    let mut spec = Map::new();
    if let Some(r) = spec_replicas {
        spec.insert("replicas".into(), r);
    }
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
        "spec": spec, "status": status})
}

pub fn get(state: &State, target: &Target) -> Result<Value, ApiError> {
    let name = target.name()?;
    let object = state
        .store
        .get(&target.key(name))
        .ok_or_else(|| ApiError::not_found(&target.resource, name))?;
    Ok(scale_of(target, object))
}

/// Writes a new Scale (PUT body, or a patch over the current Scale).
pub fn write(
    state: &mut State,
    target: &Target,
    patch_type: Option<PatchType>,
    body: &Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Written, ApiError> {
    let current = get(state, target)?;
    let desired = match patch_type {
        None => body.clone(),
        Some(PatchType::Json) => patch::json_patch(&current, body)
            .map_err(|e| ApiError::new(e.code(), e.reason(), e.to_string()))?,
        Some(_) => patch::merge_patch(&current, body),
    };
    if let Some(rv) = desired
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        && patch_type.is_none()
        && Some(rv)
            != current
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
    {
        return Err(ApiError::conflict(&target.resource, target.name()?));
    }
    let replicas = desired
        .pointer("/spec/replicas")
        .cloned()
        .unwrap_or(json!(0));
    let name = target.name()?.to_owned();
    let mut object = state
        .store
        .get(&target.key(&name))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&target.resource, &name))?;
    let spec_path = target
        .resource
        .scale
        .as_ref()
        .map_or("/spec/replicas".to_owned(), |p| pointer(&p.spec_replicas));
    if let Some(slot) = object.pointer_mut(&spec_path) {
        *slot = replicas;
    } else if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("replicas".into(), replicas);
    }
    if let Some(m) = super::meta::meta_mut(&mut object) {
        m.remove("resourceVersion");
    }
    let mut main = target.clone();
    main.subresource = Some("scale".into());
    let written = super::write::update(state, &main, object, opts, now, false)?;
    Ok(Written {
        object: scale_of(target, &written.object),
        created: false,
        warnings: written.warnings,
    })
}
