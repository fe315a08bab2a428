//! Predicted live (§6.3, legacy strategy): live with desired applied the way
//! `kubectl apply` would: a strategic merge for built-in kinds, a JSON merge
//! for custom resources; with last-applied, fields it lists that desired
//! dropped are deleted too (three-way).

use serde_json::{Map, Value};

use crate::sandbox::patch::{
    Gvk, ListType, PatchError, Shape, merge_patch, schema, strategic_merge_patch,
};

/// Live after applying `desired`; `last_applied` turns on the three-way rule.
pub fn predict(
    desired: &Value,
    live: &Value,
    last_applied: Option<&Value>,
) -> Result<Value, PatchError> {
    let gvk = Gvk::of(desired);
    let shape = schema().root(&gvk);
    let mut patch = desired.clone();
    if let (Some(orig), Value::Object(patch_map), Value::Object(desired_map)) =
        (last_applied.and_then(Value::as_object), &mut patch, desired)
    {
        add_deletions(patch_map, orig, desired_map, shape);
    }
    match shape {
        Some(_) => strategic_merge_patch(live, &patch, &gvk),
        None => Ok(merge_patch(live, &patch)),
    }
}

/// Marks what `orig` has and `desired` lacks as deleted in `patch`: `null`
/// for map fields, `$patch: delete` for keyed list items, and
/// `$deleteFromPrimitiveList` for merged scalar lists.
fn add_deletions(
    patch: &mut Map<String, Value>,
    orig: &Map<String, Value>,
    desired: &Map<String, Value>,
    shape: Option<Shape<'_>>,
) {
    for (key, old) in orig {
        let field_shape = shape.and_then(|s| s.field(key));
        let Some(new) = desired.get(key) else {
            patch.insert(key.clone(), Value::Null);
            continue;
        };
        match (old, new) {
            (Value::Object(old), Value::Object(new))
                if !field_shape.is_some_and(|s| s.is_atomic_map()) =>
            {
                if let Some(Value::Object(child)) = patch.get_mut(key) {
                    add_deletions(child, old, new, field_shape);
                }
            }
            (Value::Array(old), Value::Array(new)) => {
                if let Some(field_shape) = field_shape {
                    list_deletions(patch, key, old, new, field_shape);
                }
            }
            _ => {}
        }
    }
}

fn list_deletions(
    patch: &mut Map<String, Value>,
    key: &str,
    old: &[Value],
    new: &[Value],
    shape: Shape<'_>,
) {
    if !shape.patch_strategy_has("merge") {
        return;
    }
    let items_shape = shape.items();
    match (shape.patch_merge_key(), shape.list_type()) {
        (Some(merge_key), _) => {
            let key_of = |item: &Value| item.get(merge_key).cloned();
            let Some(Value::Array(patch_items)) = patch.get_mut(key) else {
                return;
            };
            for old_item in old {
                let Some(old_key) = key_of(old_item) else {
                    continue;
                };
                match new.iter().find(|n| key_of(n).as_ref() == Some(&old_key)) {
                    None => {
                        let mut directive = Map::new();
                        directive.insert(merge_key.to_owned(), old_key);
                        directive.insert("$patch".into(), Value::from("delete"));
                        patch_items.push(Value::Object(directive));
                    }
                    Some(Value::Object(new_item)) => {
                        let patch_item = patch_items.iter_mut().find_map(|p| match p {
                            Value::Object(p) if p.get(merge_key) == Some(&old_key) => Some(p),
                            _ => None,
                        });
                        if let (Some(patch_item), Value::Object(old_item)) = (patch_item, old_item)
                        {
                            add_deletions(patch_item, old_item, new_item, items_shape);
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        (None, ListType::Set) => {
            let removed: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
            if !removed.is_empty() {
                patch.insert(
                    format!("$deleteFromPrimitiveList/{key}"),
                    Value::Array(removed),
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(extra: Value) -> Value {
        let mut base = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "a"}]}}}});
        json_patch::merge(&mut base, &extra);
        base
    }

    #[test]
    fn two_way_keeps_live_only_fields() {
        let desired = deployment(json!({"spec": {"replicas": 3}}));
        let live = deployment(json!({"spec": {"replicas": 5, "paused": false}}));
        let predicted = predict(&desired, &live, None).expect("patch");
        assert_eq!(predicted["spec"]["replicas"], 3);
        assert_eq!(predicted["spec"]["paused"], false);
    }

    #[test]
    fn three_way_deletes_what_last_applied_had() {
        let orig = deployment(json!({"metadata": {"annotations": {"foo": "bar"}},
            "spec": {"template": {"spec": {"containers": [
                {"name": "web", "image": "a"}, {"name": "old", "image": "b"}]}}}}));
        let live = orig.clone();
        let desired = deployment(json!({}));
        let predicted = predict(&desired, &live, Some(&orig)).expect("patch");
        assert!(predicted["metadata"].get("annotations").is_none());
        let containers = predicted["spec"]["template"]["spec"]["containers"]
            .as_array()
            .expect("list");
        assert_eq!(containers.len(), 1, "{containers:?}");
    }

    #[test]
    fn custom_resources_merge_as_json() {
        let desired = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "spec": {"size": 2, "list": [1]}});
        let live = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "spec": {"size": 1, "list": [1, 2], "defaulted": true}});
        let predicted = predict(&desired, &live, None).expect("merge");
        assert_eq!(
            predicted["spec"],
            json!({"size": 2, "list": [1], "defaulted": true})
        );
    }
}
