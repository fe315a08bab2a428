//! Placeholder for the patch engine (merge, JSON, strategic merge, server-side
//! apply with managed fields). The real module replaces this one at merge; the
//! signatures are the agreed contract.

use std::fmt;

use serde_json::{Map, Value};

/// The group/version/kind of the object being patched.
#[derive(Debug, Clone, PartialEq)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// A patch that cannot be applied.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchError {
    /// The patch document itself is malformed.
    BadRequest(String),
    /// A JSON patch `test` failed or a path is missing.
    Unprocessable(String),
}

impl PatchError {
    pub fn code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unprocessable(_) => 422,
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BadRequest",
            Self::Unprocessable(_) => "Invalid",
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(m) | Self::Unprocessable(m) => f.write_str(m),
        }
    }
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(live: &Value, patch: &Value) -> Value {
    let mut out = live.clone();
    json_patch::merge(&mut out, patch);
    out
}

/// RFC 6902 JSON patch.
pub fn json_patch(live: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| PatchError::BadRequest(format!("invalid JSON patch: {e}")))?;
    let mut out = live.clone();
    json_patch::patch(&mut out, &ops).map_err(|e| PatchError::Unprocessable(e.to_string()))?;
    Ok(out)
}

/// Strategic merge patch; this placeholder merges lists of objects by `name`.
pub fn strategic_merge_patch(live: &Value, patch: &Value, _gvk: &Gvk) -> Result<Value, PatchError> {
    Ok(merge_by_name(live, patch))
}

fn merge_by_name(live: &Value, patch: &Value) -> Value {
    match (live, patch) {
        (Value::Object(l), Value::Object(p)) => {
            let mut out = l.clone();
            for (k, v) in p {
                if v.is_null() {
                    out.remove(k);
                } else {
                    let merged = match out.get(k) {
                        Some(existing) => merge_by_name(existing, v),
                        None => v.clone(),
                    };
                    out.insert(k.clone(), merged);
                }
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(p)) if p.iter().all(|i| i.get("name").is_some()) => {
            let mut out = l.clone();
            for item in p {
                match out.iter_mut().find(|o| o.get("name") == item.get("name")) {
                    Some(slot) => *slot = merge_by_name(slot, item),
                    None => out.push(item.clone()),
                }
            }
            Value::Array(out)
        }
        (_, p) => p.clone(),
    }
}

/// A server-side apply refused because another manager owns a field.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyConflict {
    pub message: String,
}

impl ApplyConflict {
    pub fn to_status(&self) -> Value {
        serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": "Conflict", "code": 409
        })
    }
}

/// Managed fields bookkeeping.
pub mod managed {
    use super::*;

    /// Applies `applied` over `live` as `manager` and records an Apply entry.
    pub fn server_side_apply(
        live: Option<&Value>,
        applied: &Value,
        manager: &str,
        _force: bool,
        now: jiff::Timestamp,
        _gvk: &super::Gvk,
    ) -> Result<Value, ApplyConflict> {
        let mut out = match live {
            Some(l) => merge_by_name(l, applied),
            None => applied.clone(),
        };
        set_entry(&mut out, manager, "Apply", None, now);
        Ok(out)
    }

    /// Records an Update entry for `manager` after a non-apply write.
    pub fn record_update(
        _old: Option<&Value>,
        new: &mut Value,
        manager: &str,
        subresource: Option<&str>,
        now: jiff::Timestamp,
    ) {
        set_entry(new, manager, "Update", subresource, now);
    }

    fn set_entry(
        obj: &mut Value,
        manager: &str,
        operation: &str,
        subresource: Option<&str>,
        now: jiff::Timestamp,
    ) {
        let fields = fields_of(obj);
        let api_version = obj.get("apiVersion").cloned().unwrap_or(Value::Null);
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        let entries = meta
            .entry("managedFields")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = entries.as_array_mut() else {
            return;
        };
        list.retain(|e| {
            e.get("manager").and_then(Value::as_str) != Some(manager)
                || e.get("operation").and_then(Value::as_str) != Some(operation)
        });
        let mut entry = Map::new();
        entry.insert("manager".into(), manager.into());
        entry.insert("operation".into(), operation.into());
        entry.insert("apiVersion".into(), api_version);
        entry.insert(
            "time".into(),
            now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string().into(),
        );
        entry.insert("fieldsType".into(), "FieldsV1".into());
        entry.insert("fieldsV1".into(), fields);
        if let Some(sub) = subresource {
            entry.insert("subresource".into(), sub.into());
        }
        list.push(Value::Object(entry));
    }

    fn fields_of(obj: &Value) -> Value {
        let mut top = Map::new();
        if let Some(map) = obj.as_object() {
            for (k, v) in map {
                if matches!(k.as_str(), "apiVersion" | "kind" | "metadata" | "status") {
                    continue;
                }
                top.insert(format!("f:{k}"), leaf_fields(v));
            }
        }
        Value::Object(top)
    }

    fn leaf_fields(v: &Value) -> Value {
        let mut out = Map::new();
        if let Value::Object(m) = v {
            out.insert(".".into(), Value::Object(Map::new()));
            for (k, child) in m {
                out.insert(format!("f:{k}"), leaf_fields(child));
            }
        }
        Value::Object(out)
    }
}
