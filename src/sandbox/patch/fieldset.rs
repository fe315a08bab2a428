//! Sets of field paths as managedFields records them, and their `FieldsV1`
//! encoding (`f:` fields, `k:{...}` list-map keys, `v:` set values,
//! `i:` positions, `.` for a non-leaf path that is itself a member).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathElement {
    /// A named field of a struct or a map key.
    Field(String),
    /// A list-map element, by its key fields sorted by name.
    Key(Vec<(String, Value)>),
    /// A set-list element, by its value.
    Value(Value),
    /// A list element by position (lists with neither keys nor set semantics).
    Index(usize),
}

impl Eq for PathElement {}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        use PathElement::*;
        let rank = |element: &PathElement| match element {
            Field(_) => 0,
            Key(_) => 1,
            Value(_) => 2,
            Index(_) => 3,
        };
        match (self, other) {
            (Field(a), Field(b)) => a.cmp(b),
            (Key(a), Key(b)) => {
                for ((name_a, value_a), (name_b, value_b)) in a.iter().zip(b) {
                    let order = name_a
                        .cmp(name_b)
                        .then_with(|| compare_values(value_a, value_b));
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Value(a), Value(b)) => compare_values(a, b),
            (Index(a), Index(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// A total order over JSON values: by type, then by content.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    let rank = |value: &Value| match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ if rank(a) != rank(b) => rank(a).cmp(&rank(b)),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

impl PathElement {
    /// The list-map key of `item` for `keys`. A missing `protocol` counts as
    /// its schema default `TCP` (the only defaulted list-map key of the
    /// built-in kinds), so ports applied without it match the stored ones;
    /// other missing key fields are left out.
    pub fn key_of(item: &Value, keys: &[String]) -> PathElement {
        let mut fields: Vec<(String, Value)> = keys
            .iter()
            .filter_map(|key| match item.get(key) {
                Some(value) => Some((key.clone(), value.clone())),
                None if key == "protocol" => Some((key.clone(), Value::from("TCP"))),
                None => None,
            })
            .collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        PathElement::Key(fields)
    }

    fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => format!("k:{}", key_json(fields)),
            PathElement::Value(value) => format!("v:{value}"),
            PathElement::Index(index) => format!("i:{index}"),
        }
    }

    fn decode(text: &str) -> Option<PathElement> {
        let (prefix, rest) = text.split_once(':')?;
        match prefix {
            "f" => Some(PathElement::Field(rest.to_owned())),
            "k" => match serde_json::from_str::<Value>(rest).ok()? {
                Value::Object(map) => {
                    let mut fields: Vec<(String, Value)> = map.into_iter().collect();
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    Some(PathElement::Key(fields))
                }
                _ => None,
            },
            "v" => serde_json::from_str(rest).ok().map(PathElement::Value),
            "i" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }
}

fn key_json(fields: &[(String, Value)]) -> String {
    let map: Map<String, Value> = fields.iter().cloned().collect();
    Value::Object(map).to_string()
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(value) => write!(f, "[={value}]"),
            PathElement::Index(index) => write!(f, "[{index}]"),
        }
    }
}

/// Renders a path the way conflict messages show it (`.spec.replicas`).
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A set of field paths, stored as a tree: a node is a member when the
/// path leading to it is in the set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    pub fn new() -> FieldSet {
        FieldSet::default()
    }

    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    /// Adds a path (the empty path is never a member).
    pub fn insert(&mut self, path: &[PathElement]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let child = self.children.entry(first.clone()).or_default();
        if rest.is_empty() {
            child.member = true;
        } else {
            child.insert(rest);
        }
    }

    /// The subtree at `path`, if any path of the set passes through it.
    pub fn node(&self, path: &[PathElement]) -> Option<&FieldSet> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.get(first)?.node(rest),
        }
    }

    /// Paths in either set.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.member |= other.member;
        for (element, child) in &other.children {
            let merged = match out.children.get(element) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(element.clone(), merged);
        }
        out
    }

    /// Paths of `self` that are not in `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (element, child) in &self.children {
            let rest = match other.children.get(element) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(element.clone(), rest);
            }
        }
        out
    }

    /// Paths in both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (element, child) in &self.children {
            if let Some(theirs) = other.children.get(element) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    out.children.insert(element.clone(), both);
                }
            }
        }
        out
    }

    /// Drops the subtree at `path` (the path and everything below it).
    pub fn remove_subtree(&mut self, path: &[PathElement]) {
        match path {
            [] => *self = FieldSet::default(),
            [last] => {
                self.children.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(child) = self.children.get_mut(first) {
                    child.remove_subtree(rest);
                    if child.is_empty() {
                        self.children.remove(first);
                    }
                }
            }
        }
    }

    /// Every member path, parents before children, in encoding order.
    pub fn paths(&self) -> Vec<Vec<PathElement>> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Vec<PathElement>, out: &mut Vec<Vec<PathElement>>) {
        if self.member {
            out.push(prefix.clone());
        }
        for (element, child) in &self.children {
            prefix.push(element.clone());
            child.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// The `fieldsV1` form.
    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        for (element, child) in &self.children {
            if child.is_empty() {
                continue;
            }
            let mut encoded = child.to_fields_v1();
            if child.member
                && !child.children.is_empty()
                && let Value::Object(inner) = encoded
            {
                let mut with_dot = Map::new();
                with_dot.insert(".".to_owned(), Value::Object(Map::new()));
                with_dot.extend(inner);
                encoded = Value::Object(with_dot);
            }
            map.insert(element.encode(), encoded);
        }
        Value::Object(map)
    }

    /// Reads a `fieldsV1` value; entries it cannot understand are skipped.
    pub fn from_fields_v1(value: &Value) -> FieldSet {
        let mut set = FieldSet::default();
        if let Value::Object(map) = value {
            for (key, inner) in map {
                if key == "." {
                    set.member = true;
                    continue;
                }
                let Some(element) = PathElement::decode(key) else {
                    continue;
                };
                let mut child = FieldSet::from_fields_v1(inner);
                if child.children.is_empty() {
                    child.member = true;
                }
                set.children.insert(element, child);
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_v1_round_trips_keys_values_and_dots() {
        let encoded = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:finalizers": {"v:\"a\"": {}},
                "f:ports": {".": {}, "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}},
                "f:replicas": {}
            }
        });
        let set = FieldSet::from_fields_v1(&encoded);
        assert_eq!(set.to_fields_v1(), encoded);
        let shown: Vec<String> = set.paths().iter().map(|p| path_string(p)).collect();
        assert!(
            shown.contains(&".spec.ports[port=80,protocol=\"TCP\"].port".to_owned()),
            "{shown:?}"
        );
        assert!(
            shown.contains(&".spec.finalizers[=\"a\"]".to_owned()),
            "{shown:?}"
        );
        assert!(shown.contains(&".metadata.labels".to_owned()), "{shown:?}");
    }

    #[test]
    fn numeric_keys_sort_numerically_and_fields_before_keys() {
        let mut set = FieldSet::new();
        let port =
            |n: u16| PathElement::key_of(&json!({"containerPort": n}), &["containerPort".into()]);
        set.insert(&[PathElement::Field("ports".into()), port(8080)]);
        set.insert(&[PathElement::Field("ports".into()), port(80)]);
        set.insert(&[
            PathElement::Field("ports".into()),
            PathElement::Field(".x".into()),
        ]);
        let encoded = set.to_fields_v1();
        let keys: Vec<&String> = encoded["f:ports"]
            .as_object()
            .expect("object")
            .keys()
            .collect();
        assert_eq!(
            keys,
            [
                "f:.x",
                "k:{\"containerPort\":80}",
                "k:{\"containerPort\":8080}"
            ]
        );
    }

    #[test]
    fn set_algebra_prunes_empty_nodes() {
        let a = FieldSet::from_fields_v1(&json!({"f:spec": {"f:replicas": {}, "f:paused": {}}}));
        let b = FieldSet::from_fields_v1(&json!({"f:spec": {"f:replicas": {}}}));
        assert_eq!(
            a.difference(&b).to_fields_v1(),
            json!({"f:spec": {"f:paused": {}}})
        );
        assert_eq!(a.intersection(&b), b);
        assert!(b.difference(&a).is_empty());
        assert_eq!(b.union(&a), a);
    }
}
