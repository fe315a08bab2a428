//! Kubernetes strategic merge patch: lists merge by their merge key when the
//! schema says so, with the `$patch`, `$retainKeys`, `$setElementOrder/` and
//! `$deleteFromPrimitiveList/` directives.

use serde_json::{Map, Value};

use super::schema::Shape;
use super::{Gvk, PatchError, json_type, schema};

const PATCH_DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to `live`. Kinds without a schema
/// (custom resources) are refused with the server's 415.
pub fn strategic_merge_patch(live: &Value, patch: &Value, gvk: &Gvk) -> Result<Value, PatchError> {
    let shape = schema()
        .root(gvk)
        .ok_or(PatchError::StrategicMergeUnsupported)?;
    let Value::Object(patch) = patch else {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_type(patch)
        )));
    };
    let empty = Map::new();
    let original = live.as_object().unwrap_or(&empty);
    Ok(Value::Object(
        merge_map(original, patch, Some(shape))?.unwrap_or_default(),
    ))
}

fn bad(message: &str) -> PatchError {
    PatchError::BadRequest(message.to_owned())
}

/// Merges a patch map into an original map; `None` means `$patch: delete`.
fn merge_map(
    original: &Map<String, Value>,
    patch: &Map<String, Value>,
    shape: Option<Shape<'_>>,
) -> Result<Option<Map<String, Value>>, PatchError> {
    match patch.get(PATCH_DIRECTIVE).map(|d| d.as_str()) {
        None | Some(Some("merge")) => {}
        Some(Some("replace")) => {
            let mut rest = patch.clone();
            rest.remove(PATCH_DIRECTIVE);
            return merge_map(&Map::new(), &rest, shape);
        }
        Some(Some("delete")) => return Ok(None),
        Some(other) => {
            let shown = other.map_or_else(|| patch[PATCH_DIRECTIVE].to_string(), str::to_owned);
            return Err(PatchError::BadRequest(format!(
                "unknown patch type: {shown} in map"
            )));
        }
    }
    let mut out = original.clone();
    if let Some(retain) = patch.get(RETAIN_KEYS) {
        retain_keys(&mut out, patch, retain)?;
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            let Value::Array(doomed) = value else {
                return Err(bad("invalid patch format of primitive list"));
            };
            if let Some(Value::Array(items)) = out.get_mut(field) {
                items.retain(|item| !doomed.contains(item));
            }
        }
    }
    for (key, value) in patch.iter().filter(|(key, _)| !key.starts_with('$')) {
        let field_shape = shape.and_then(|s| s.field(key));
        match merge_value(out.get(key), value, field_shape)? {
            Some(merged) => out.insert(key.clone(), merged),
            None => out.remove(key),
        };
    }
    for (key, order) in patch {
        if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
            let Value::Array(order) = order else {
                return Err(bad("invalid patch format of setElementOrder list"));
            };
            let merge_key = shape
                .and_then(|s| s.field(field))
                .and_then(|s| s.patch_merge_key());
            if let Some(Value::Array(items)) = out.get_mut(field) {
                reorder(items, order, merge_key);
            }
        }
    }
    Ok(Some(out))
}

/// `$retainKeys`: only the listed fields survive the merge.
fn retain_keys(
    out: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    retain: &Value,
) -> Result<(), PatchError> {
    let Some(retain) = retain.as_array() else {
        return Err(bad("invalid patch format of retainKeys"));
    };
    let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
    if keep.len() != retain.len() {
        return Err(bad("invalid patch format of retainKeys"));
    }
    let outside = patch.iter().any(|(key, value)| {
        !key.starts_with('$') && !value.is_null() && !keep.contains(&key.as_str())
    });
    if outside {
        return Err(PatchError::Rejected {
            cause: "patch content doesn't match retainKeys list".to_owned(),
        });
    }
    out.retain(|key, _| keep.contains(&key.as_str()));
    Ok(())
}

/// Merges one field; `None` removes it (null or `$patch: delete`).
fn merge_value(
    original: Option<&Value>,
    patch: &Value,
    shape: Option<Shape<'_>>,
) -> Result<Option<Value>, PatchError> {
    let empty = Map::new();
    Ok(match (original, patch) {
        (_, Value::Null) => None,
        (original, Value::Object(patch_map)) => {
            let base = original.and_then(Value::as_object).unwrap_or(&empty);
            merge_map(base, patch_map, shape)?.map(Value::Object)
        }
        (original, Value::Array(patch_items))
            if shape.is_some_and(|s| s.patch_strategy_has("merge")) =>
        {
            let base = match original {
                Some(Value::Array(items)) => items.as_slice(),
                _ => &[],
            };
            Some(Value::Array(merge_list(base, patch_items, shape)?))
        }
        (_, Value::Array(patch_items)) => Some(Value::Array(clean_items(patch_items, shape)?)),
        (_, scalar) => Some(scalar.clone()),
    })
}

/// Patch list items with their directives resolved against nothing.
fn clean_items(items: &[Value], shape: Option<Shape<'_>>) -> Result<Vec<Value>, PatchError> {
    let item_shape = shape.and_then(|s| s.items());
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Object(map) => {
                if let Some(clean) = merge_map(&Map::new(), map, item_shape)? {
                    out.push(Value::Object(clean));
                }
            }
            other => out.push(other.clone()),
        }
    }
    Ok(out)
}

fn directive(item: &Value) -> Option<&str> {
    item.get(PATCH_DIRECTIVE).and_then(Value::as_str)
}

/// Merges a list whose patch strategy is `merge`: by merge key for lists of
/// objects, as a union for lists of scalars.
fn merge_list(
    original: &[Value],
    patch: &[Value],
    shape: Option<Shape<'_>>,
) -> Result<Vec<Value>, PatchError> {
    if patch.iter().any(|item| directive(item) == Some("replace")) {
        let rest: Vec<Value> = patch
            .iter()
            .filter(|item| directive(item) != Some("replace"))
            .cloned()
            .collect();
        return clean_items(&rest, shape);
    }
    let Some(merge_key) = shape.and_then(|s| s.patch_merge_key()) else {
        let mut out = original.to_vec();
        for item in patch {
            if item.is_array() {
                return Err(PatchError::Rejected {
                    cause: "lists of lists are not supported".to_owned(),
                });
            }
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        return Ok(out);
    };
    let item_shape = shape.and_then(|s| s.items());
    let mut out = original.to_vec();
    for item in patch {
        let Value::Object(item_map) = item else {
            return Err(bad("invalid patch format of primitive list"));
        };
        let Some(key_value) = item_map.get(merge_key) else {
            return Err(PatchError::BadRequest(format!(
                "map: {item} does not contain declared merge key: {merge_key}"
            )));
        };
        let position = out
            .iter()
            .position(|existing| existing.get(merge_key) == Some(key_value));
        if directive(item) == Some("delete") {
            out.retain(|existing| existing.get(merge_key) != Some(key_value));
            continue;
        }
        let empty = Map::new();
        let base = position
            .and_then(|index| out[index].as_object())
            .unwrap_or(&empty);
        let merged = merge_map(base, item_map, item_shape)?;
        match (position, merged) {
            (Some(index), Some(merged)) => out[index] = Value::Object(merged),
            (Some(index), None) => {
                out.remove(index);
            }
            (None, Some(merged)) => out.push(Value::Object(merged)),
            (None, None) => {}
        }
    }
    Ok(out)
}

/// `$setElementOrder/<field>`: listed items first in the given order, the
/// rest after them in their current order.
fn reorder(items: &mut [Value], order: &[Value], merge_key: Option<&str>) {
    let rank = |item: &Value| {
        order.iter().position(|wanted| match merge_key {
            Some(key) => wanted.get(key).is_some() && wanted.get(key) == item.get(key),
            None => wanted == item,
        })
    };
    items.sort_by_key(|item| rank(item).unwrap_or(usize::MAX));
}
