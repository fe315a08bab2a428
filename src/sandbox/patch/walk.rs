//! Walking an object along its schema: the field set an object sets, the
//! difference between two versions of an object, merging an applied
//! configuration, and removing fields by path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fieldset::{FieldSet, PathElement};
use super::schema::{ListType, Shape};

/// How a value is structured for ownership purposes.
enum Node<'v> {
    /// Owned and replaced as a whole: scalars, null, atomic maps and lists.
    Leaf,
    /// A map or struct whose entries are owned separately.
    Map(&'v Map<String, Value>),
    /// A list whose elements are owned separately (set or list map).
    List(&'v [Value], ListType),
}

fn classify<'v>(value: &'v Value, shape: Option<Shape<'_>>) -> Node<'v> {
    match value {
        Value::Object(map) if !shape.is_some_and(|s| s.is_atomic_map()) => Node::Map(map),
        Value::Array(items) => match shape.map(|s| s.list_type()) {
            Some(ListType::Set)
                if items
                    .iter()
                    .all(|item| !item.is_object() && !item.is_array()) =>
            {
                Node::List(items, ListType::Set)
            }
            Some(ListType::Map(keys)) if items.iter().all(Value::is_object) => {
                Node::List(items, ListType::Map(keys))
            }
            _ => Node::Leaf,
        },
        _ => Node::Leaf,
    }
}

/// A child of a map or list: its path element, value and shape, and whether
/// it is a declared struct field (those are not members on their own).
struct Child<'v, 'a> {
    value: &'v Value,
    shape: Option<Shape<'a>>,
    declared: bool,
}

fn children<'v, 'a>(
    node: &Node<'v>,
    shape: Option<Shape<'a>>,
) -> BTreeMap<PathElement, Child<'v, 'a>> {
    let mut out = BTreeMap::new();
    match node {
        Node::Leaf => {}
        Node::Map(map) => {
            for (key, value) in map.iter() {
                let child = Child {
                    value,
                    shape: shape.and_then(|s| s.field(key)),
                    declared: shape.is_some_and(|s| s.declares(key)),
                };
                out.insert(PathElement::Field(key.clone()), child);
            }
        }
        Node::List(items, list_type) => {
            let item_shape = shape.and_then(|s| s.items());
            for item in items.iter() {
                let element = match list_type {
                    ListType::Map(keys) => PathElement::key_of(item, keys),
                    _ => PathElement::Value(item.clone()),
                };
                out.insert(
                    element,
                    Child {
                        value: item,
                        shape: item_shape,
                        declared: false,
                    },
                );
            }
        }
    }
    out
}

fn child_path(path: &[PathElement], element: &PathElement) -> Vec<PathElement> {
    let mut out = path.to_vec();
    out.push(element.clone());
    out
}

/// The fields an applied configuration sets, as server-side apply records them.
pub fn fields_set_by(value: &Value, shape: Option<Shape<'_>>) -> FieldSet {
    let mut set = FieldSet::new();
    add_fields(value, shape, &[], &mut set);
    set
}

fn add_fields(value: &Value, shape: Option<Shape<'_>>, path: &[PathElement], set: &mut FieldSet) {
    let node = classify(value, shape);
    if matches!(node, Node::Leaf) {
        set.insert(path);
        return;
    }
    let is_list = matches!(node, Node::List(..));
    for (element, child) in children(&node, shape) {
        let path = child_path(path, &element);
        add_fields(child.value, child.shape, &path, set);
        let empty_map = child.value.as_object().is_some_and(Map::is_empty);
        if is_list || child.value.is_null() || empty_map || !child.declared {
            set.insert(&path);
        }
    }
}

/// What changed between two versions of an object.
#[derive(Debug, Default)]
pub struct Comparison {
    pub added: FieldSet,
    pub modified: FieldSet,
    pub removed: FieldSet,
}

impl Comparison {
    /// Fields whose value this change set (added or modified).
    pub fn changed(&self) -> FieldSet {
        self.added.union(&self.modified)
    }
}

/// Compares two versions of an object field by field.
pub fn compare(old: &Value, new: &Value, shape: Option<Shape<'_>>) -> Comparison {
    let mut comparison = Comparison::default();
    diff(Some(old), Some(new), shape, &[], &mut comparison);
    comparison
}

fn diff(
    old: Option<&Value>,
    new: Option<&Value>,
    shape: Option<Shape<'_>>,
    path: &[PathElement],
    out: &mut Comparison,
) {
    let old_node = old.map(|value| classify(value, shape));
    let new_node = new.map(|value| classify(value, shape));
    let structured = |node: &Option<Node>| matches!(node, Some(Node::Map(_) | Node::List(..)));
    let both_leafy = !structured(&old_node) && !structured(&new_node);
    let kinds_differ = matches!(
        (&old_node, &new_node),
        (Some(Node::Map(_)), Some(Node::List(..))) | (Some(Node::List(..)), Some(Node::Map(_)))
    );
    // A null on one side of a map or list counts as an empty one: the path
    // itself is neither added nor removed, only its entries.
    let null_side = old.is_some_and(Value::is_null) || new.is_some_and(Value::is_null);
    if both_leafy || kinds_differ {
        match (old, new) {
            (Some(a), Some(b)) if a != b => out.modified.insert(path),
            (None, Some(_)) => out.added.insert(path),
            (Some(_), None) => out.removed.insert(path),
            _ => {}
        }
        return;
    }
    if !path.is_empty() && !null_side {
        match (old, new) {
            (None, Some(_)) => out.added.insert(path),
            (Some(_), None) => out.removed.insert(path),
            _ => {}
        }
    }
    let old_children = old_node
        .as_ref()
        .map(|node| children(node, shape))
        .unwrap_or_default();
    let new_children = new_node
        .as_ref()
        .map(|node| children(node, shape))
        .unwrap_or_default();
    let mut elements: Vec<&PathElement> = old_children.keys().collect();
    elements.extend(
        new_children
            .keys()
            .filter(|element| !old_children.contains_key(element)),
    );
    for element in elements {
        let before = old_children.get(element);
        let after = new_children.get(element);
        let child_shape = after.or(before).and_then(|child| child.shape);
        let path = child_path(path, element);
        diff(
            before.map(|c| c.value),
            after.map(|c| c.value),
            child_shape,
            &path,
            out,
        );
    }
}

/// Server-side apply's merge of an applied configuration into the live object:
/// maps merge, list maps merge by key, sets union, anything else is replaced.
pub fn apply_merge(live: Option<&Value>, applied: &Value, shape: Option<Shape<'_>>) -> Value {
    match (live, classify(applied, shape)) {
        (Some(Value::Object(live_map)), Node::Map(applied_map)) => {
            let mut out = live_map.clone();
            for (key, value) in applied_map {
                if value.is_null() {
                    out.remove(key);
                    continue;
                }
                let merged =
                    apply_merge(live_map.get(key), value, shape.and_then(|s| s.field(key)));
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (Some(Value::Array(live_items)), Node::List(items, ListType::Set)) => {
            let mut out = live_items.clone();
            for item in items {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Value::Array(out)
        }
        (Some(Value::Array(live_items)), Node::List(items, ListType::Map(keys))) => {
            let item_shape = shape.and_then(|s| s.items());
            let mut out = live_items.clone();
            for item in items {
                let key = PathElement::key_of(item, &keys);
                match out
                    .iter()
                    .position(|existing| PathElement::key_of(existing, &keys) == key)
                {
                    Some(index) => out[index] = apply_merge(Some(&out[index]), item, item_shape),
                    None => out.push(apply_merge(None, item, item_shape)),
                }
            }
            Value::Array(out)
        }
        (_, Node::Map(applied_map)) => {
            let mut out = Map::new();
            for (key, value) in applied_map.iter().filter(|(_, value)| !value.is_null()) {
                out.insert(
                    key.clone(),
                    apply_merge(None, value, shape.and_then(|s| s.field(key))),
                );
            }
            Value::Object(out)
        }
        _ => applied.clone(),
    }
}

/// Removes the value at `path` (a field, a list-map element, a set value).
pub fn remove_path(value: &mut Value, path: &[PathElement]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let position = |items: &Vec<Value>| {
        items.iter().position(|item| match first {
            PathElement::Key(fields) => {
                let names: Vec<String> = fields.iter().map(|(name, _)| name.clone()).collect();
                PathElement::key_of(item, &names) == *first
            }
            PathElement::Value(expected) => item == expected,
            PathElement::Index(_) | PathElement::Field(_) => false,
        })
    };
    match (value, first) {
        (Value::Object(map), PathElement::Field(name)) => {
            if rest.is_empty() {
                map.remove(name);
            } else if let Some(child) = map.get_mut(name) {
                remove_path(child, rest);
            }
        }
        (Value::Array(items), PathElement::Index(index)) if *index < items.len() => {
            if rest.is_empty() {
                items.remove(*index);
            } else {
                remove_path(&mut items[*index], rest);
            }
        }
        (Value::Array(items), _) => {
            if let Some(index) = position(items) {
                if rest.is_empty() {
                    items.remove(index);
                } else {
                    remove_path(&mut items[index], rest);
                }
            }
        }
        _ => {}
    }
}

/// Struct fields Go always serializes even when unset (non-pointer structs),
/// beyond those the schema lists as required.
const VALUE_STRUCT_FIELDS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "template",
    "strategy",
    "updateStrategy",
    "jobTemplate",
    "podSelector",
    "scaleTargetRef",
    "resources",
    "roleRef",
    "creationTimestamp",
];

/// The object a create is compared against: what an empty object of the kind
/// looks like once serialized (value structs as `{}`, required fields and
/// timestamps as null), restricted to the fields `new` has.
pub fn zero_object(new: &Value, shape: Option<Shape<'_>>) -> Value {
    let (Some(shape), Value::Object(map)) = (shape, new) else {
        return Value::Object(Map::new());
    };
    let required = shape.required();
    let mut out = Map::new();
    for (key, value) in map {
        let Some(field) = shape.field(key).filter(|_| shape.declares(key)) else {
            continue;
        };
        let always_serialized =
            required.contains(&key.as_str()) || VALUE_STRUCT_FIELDS.contains(&key.as_str());
        if !always_serialized {
            continue;
        }
        if field.is_struct() && value.is_object() {
            out.insert(key.clone(), zero_object(value, Some(field)));
        } else {
            out.insert(key.clone(), Value::Null);
        }
    }
    Value::Object(out)
}
