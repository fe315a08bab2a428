//! Field paths in objects: the schema-aware walk that lists drifted fields,
//! lookup and removal by path, and the display form
//! `spec.template.spec.containers[name=web].image`.

use serde_json::Value;

use crate::sandbox::patch::{FieldSet, ListType, PathElement, Shape};

/// One drifted field found by [`changed_fields`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawChange {
    pub path: Vec<PathElement>,
    pub desired: Option<Value>,
    pub live: Option<Value>,
}

/// Lists the fields where `desired` and `live` differ, matching list items
/// by their keys where the schema gives them (positions otherwise).
pub fn changed_fields(desired: &Value, live: &Value, shape: Option<Shape<'_>>) -> Vec<RawChange> {
    let mut out = Vec::new();
    walk(Some(desired), Some(live), shape, &mut Vec::new(), &mut out);
    out
}

fn walk(
    desired: Option<&Value>,
    live: Option<&Value>,
    shape: Option<Shape<'_>>,
    prefix: &mut Vec<PathElement>,
    out: &mut Vec<RawChange>,
) {
    if desired == live {
        return;
    }
    let atomic = shape.is_some_and(|s| s.is_atomic_map());
    match (desired, live) {
        (Some(Value::Object(a)), Some(Value::Object(b))) if !atomic => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            for key in keys {
                prefix.push(PathElement::Field(key.clone()));
                walk(
                    a.get(key),
                    b.get(key),
                    shape.and_then(|s| s.field(key)),
                    prefix,
                    out,
                );
                prefix.pop();
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => walk_list(a, b, shape, prefix, out),
        _ => out.push(RawChange {
            path: prefix.clone(),
            desired: desired.cloned(),
            live: live.cloned(),
        }),
    }
}

fn walk_list(
    desired: &[Value],
    live: &[Value],
    shape: Option<Shape<'_>>,
    prefix: &mut Vec<PathElement>,
    out: &mut Vec<RawChange>,
) {
    let items_shape = shape.and_then(|s| s.items());
    let list_type = shape.map_or(ListType::Atomic, |s| s.list_type());
    let all_objects = desired.iter().chain(live).all(Value::is_object);
    let element_of = |item: &Value, index: usize| match &list_type {
        ListType::Map(keys) if all_objects && !keys.is_empty() => PathElement::key_of(item, keys),
        ListType::Set => PathElement::Value(item.clone()),
        _ => PathElement::Index(index),
    };
    let positional = matches!(list_type, ListType::Atomic)
        || !all_objects && !matches!(list_type, ListType::Set);
    if positional && desired.len() != live.len() {
        out.push(RawChange {
            path: prefix.clone(),
            desired: Some(Value::Array(desired.to_vec())),
            live: Some(Value::Array(live.to_vec())),
        });
        return;
    }
    let desired_keyed: Vec<(PathElement, &Value)> = desired
        .iter()
        .enumerate()
        .map(|(i, item)| (element_of(item, i), item))
        .collect();
    let live_keyed: Vec<(PathElement, &Value)> = live
        .iter()
        .enumerate()
        .map(|(i, item)| (element_of(item, i), item))
        .collect();
    fn find<'v>(list: &[(PathElement, &'v Value)], element: &PathElement) -> Option<&'v Value> {
        list.iter().find(|(e, _)| e == element).map(|(_, v)| *v)
    }
    let found_before = out.len();
    let mut seen: Vec<&PathElement> = Vec::new();
    for (element, _) in desired_keyed.iter().chain(&live_keyed) {
        if seen.contains(&element) {
            continue;
        }
        seen.push(element);
        prefix.push(element.clone());
        walk(
            find(&desired_keyed, element),
            find(&live_keyed, element),
            items_shape,
            prefix,
            out,
        );
        prefix.pop();
    }
    if out.len() == found_before {
        // Same items, other order: the list as a whole differs.
        out.push(RawChange {
            path: prefix.clone(),
            desired: Some(Value::Array(desired.to_vec())),
            live: Some(Value::Array(live.to_vec())),
        });
    }
}

/// Removes the value at a path; a path that does not exist is ignored.
pub fn remove_at(value: &mut Value, path: &[PathElement]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match value {
        Value::Object(map) => {
            if let PathElement::Field(name) = first {
                if rest.is_empty() {
                    map.shift_remove(name);
                } else if let Some(child) = map.get_mut(name) {
                    remove_at(child, rest);
                }
            }
        }
        Value::Array(items) => {
            let Some(index) = position(items, first) else {
                return;
            };
            if rest.is_empty() {
                items.remove(index);
            } else if let Some(child) = items.get_mut(index) {
                remove_at(child, rest);
            }
        }
        _ => {}
    }
}

/// The position of the list item a path element names.
fn position(items: &[Value], element: &PathElement) -> Option<usize> {
    match element {
        PathElement::Key(fields) => {
            let keys: Vec<String> = fields.iter().map(|(name, _)| name.clone()).collect();
            items
                .iter()
                .position(|item| item.is_object() && PathElement::key_of(item, &keys) == *element)
        }
        PathElement::Value(wanted) => items.iter().position(|item| item == wanted),
        PathElement::Index(index) => (*index < items.len()).then_some(*index),
        PathElement::Field(_) => None,
    }
}

/// A path as people read it: `spec.template.spec.containers[name=web].image`,
/// `metadata.annotations["example.com/key"]`.
pub fn display_path(path: &[PathElement]) -> String {
    let mut out = String::new();
    for element in path {
        match element {
            PathElement::Field(name) if is_plain(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathElement::Field(name) => out.push_str(&format!("[{}]", Value::from(name.clone()))),
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}={}", scalar_text(value)))
                    .collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            PathElement::Value(value) => out.push_str(&format!("[={}]", scalar_text(value))),
            PathElement::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A value shown inline: strings without quotes, everything else as JSON.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// How a managedFields entry's field set relates to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ownership {
    /// The set lists exactly this path.
    Exact,
    /// The set lists an ancestor as one atomic field.
    Ancestor,
    /// The set lists fields below this path.
    Descendant,
}

/// Whether `set` owns `path`, and how.
pub fn ownership(set: &FieldSet, path: &[PathElement]) -> Option<Ownership> {
    let mut probe = FieldSet::new();
    probe.insert(path);
    if !set.intersection(&probe).is_empty() {
        return Some(Ownership::Exact);
    }
    for end in (1..path.len()).rev() {
        if let Some(node) = set.node(&path[..end])
            && node.paths() == vec![Vec::<PathElement>::new()]
        {
            return Some(Ownership::Ancestor);
        }
    }
    match set.node(path) {
        Some(node) if !node.is_empty() => Some(Ownership::Descendant),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::patch::{Gvk, schema};
    use serde_json::json;

    #[test]
    fn containers_are_matched_by_name() {
        let gvk = Gvk {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
        };
        let desired = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.26"}, {"name": "side", "image": "s:1"}
        ]}}}});
        let live = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "side", "image": "s:1"}, {"name": "web", "image": "nginx:1.25"}
        ]}}}});
        let changes = changed_fields(&desired, &live, schema().root(&gvk));
        let shown: Vec<String> = changes.iter().map(|c| display_path(&c.path)).collect();
        assert_eq!(shown, ["spec.template.spec.containers[name=web].image"]);
        assert_eq!(changes[0].desired, Some(json!("nginx:1.26")));
        assert_eq!(changes[0].live, Some(json!("nginx:1.25")));
        let mut trimmed = live.clone();
        remove_at(&mut trimmed, &changes[0].path);
        assert_eq!(
            trimmed["spec"]["template"]["spec"]["containers"][1],
            json!({"name": "web"})
        );
    }

    #[test]
    fn lists_without_keys_of_other_length_change_whole() {
        let changes = changed_fields(&json!({"a": [1, 2]}), &json!({"a": [1]}), None);
        assert_eq!(changes.len(), 1);
        assert_eq!(display_path(&changes[0].path), "a");
    }

    #[test]
    fn reordered_keyed_lists_change_as_a_whole() {
        let gvk = Gvk {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
        };
        let pod = |names: [&str; 2]| {
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": names[0]}, {"name": names[1]}]}}}})
        };
        let changes = changed_fields(&pod(["a", "b"]), &pod(["b", "a"]), schema().root(&gvk));
        let shown: Vec<String> = changes.iter().map(|c| display_path(&c.path)).collect();
        assert_eq!(shown, ["spec.template.spec.containers"]);
    }

    #[test]
    fn odd_map_keys_are_quoted() {
        let path = [
            PathElement::Field("metadata".into()),
            PathElement::Field("annotations".into()),
            PathElement::Field("example.com/x".into()),
        ];
        assert_eq!(
            display_path(&path),
            "metadata.annotations[\"example.com/x\"]"
        );
    }
}
