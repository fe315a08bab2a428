//! Structure knowledge taken from the server's OpenAPI v2 document: which
//! fields a kind has, how its lists merge (list-map keys, sets, atomic lists),
//! which maps are atomic, and the strategic-merge-patch keys and strategies.

use std::collections::HashMap;
use std::io::Read;

use serde_json::{Map, Value};

use super::Gvk;

/// How a list's elements are identified when merging and tracking ownership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole; owned as one field.
    Atomic,
    /// Scalar elements identified by their value.
    Set,
    /// Object elements identified by these key fields.
    Map(Vec<String>),
}

/// The parsed definitions of the OpenAPI document, indexed by kind.
#[derive(Debug)]
pub struct Schema {
    definitions: Map<String, Value>,
    by_gvk: HashMap<Gvk, String>,
}

impl Schema {
    /// Parses a gzip-compressed OpenAPI v2 document.
    pub fn from_gzip(bytes: &[u8]) -> Result<Schema, String> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|err| format!("OpenAPI document is not valid gzip text: {err}"))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|err| format!("OpenAPI document is not valid JSON: {err}"))?;
        Ok(Schema::from_document(doc))
    }

    /// Indexes an already parsed OpenAPI v2 document.
    pub fn from_document(mut doc: Value) -> Schema {
        let definitions = match doc.get_mut("definitions").map(Value::take) {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let mut by_gvk = HashMap::new();
        for (name, definition) in &definitions {
            let Some(gvks) = definition
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
            else {
                continue;
            };
            for gvk in gvks {
                let text = |key: &str| {
                    gvk.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                by_gvk.insert(
                    Gvk {
                        group: text("group"),
                        version: text("version"),
                        kind: text("kind"),
                    },
                    name.clone(),
                );
            }
        }
        Schema {
            definitions,
            by_gvk,
        }
    }

    /// The top-level shape of a kind, or `None` for kinds the document does
    /// not describe (custom resources).
    pub fn root(&self, gvk: &Gvk) -> Option<Shape<'_>> {
        let name = self.by_gvk.get(gvk)?;
        let definition = self.definitions.get(name)?;
        Some(Shape {
            schema: self,
            node: definition,
            resolved: definition,
        })
    }

    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        let mut current = node;
        // `$ref` chains are short; the bound only guards against a cyclic document.
        for _ in 0..8 {
            let target = current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/definitions/"))
                .and_then(|name| self.definitions.get(name));
            match target {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }
}

/// One node of a kind's structure: a property as declared (with the
/// extensions written next to it) and the definition it refers to.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    schema: &'a Schema,
    node: &'a Value,
    resolved: &'a Value,
}

impl<'a> Shape<'a> {
    fn new(schema: &'a Schema, node: &'a Value) -> Shape<'a> {
        Shape {
            schema,
            node,
            resolved: schema.resolve(node),
        }
    }

    fn extension(&self, key: &str) -> Option<&'a Value> {
        self.node.get(key).or_else(|| self.resolved.get(key))
    }

    /// True for objects with declared properties (Go structs).
    pub fn is_struct(&self) -> bool {
        self.resolved.get("properties").is_some()
    }

    /// True when `name` is a declared property of this struct.
    pub fn declares(&self, name: &str) -> bool {
        self.resolved
            .get("properties")
            .and_then(|props| props.get(name))
            .is_some()
    }

    /// The shape of a child field: a declared property or a map's value type.
    pub fn field(&self, name: &str) -> Option<Shape<'a>> {
        if let Some(property) = self
            .resolved
            .get("properties")
            .and_then(|props| props.get(name))
        {
            return Some(Shape::new(self.schema, property));
        }
        match self.resolved.get("additionalProperties") {
            Some(value @ Value::Object(_)) => Some(Shape::new(self.schema, value)),
            _ => None,
        }
    }

    /// The element shape of a list.
    pub fn items(&self) -> Option<Shape<'a>> {
        self.resolved
            .get("items")
            .map(|items| Shape::new(self.schema, items))
    }

    /// True when the node is declared as an array.
    pub fn is_list(&self) -> bool {
        self.resolved.get("type").and_then(Value::as_str) == Some("array")
    }

    /// Field names a Go struct always serializes (its required fields).
    pub fn required(&self) -> Vec<&'a str> {
        self.resolved
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// True for maps and structs replaced and owned as one field.
    pub fn is_atomic_map(&self) -> bool {
        self.extension("x-kubernetes-map-type")
            .and_then(Value::as_str)
            == Some("atomic")
    }

    /// The list type used by server-side apply; lists that only declare a
    /// strategic merge key are treated as list maps keyed by it, like the
    /// server's own schema conversion does.
    pub fn list_type(&self) -> ListType {
        match self
            .extension("x-kubernetes-list-type")
            .and_then(Value::as_str)
        {
            Some("map") => {
                let keys = self
                    .extension("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .map(|keys| {
                        keys.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                ListType::Map(keys)
            }
            Some("set") => ListType::Set,
            Some(_) => ListType::Atomic,
            None => match (self.patch_strategy_has("merge"), self.patch_merge_key()) {
                (true, Some(key)) => ListType::Map(vec![key.to_owned()]),
                (true, None) => ListType::Set,
                _ => ListType::Atomic,
            },
        }
    }

    /// True when `x-kubernetes-patch-strategy` lists `strategy`.
    pub fn patch_strategy_has(&self, strategy: &str) -> bool {
        self.extension("x-kubernetes-patch-strategy")
            .and_then(Value::as_str)
            .is_some_and(|value| value.split(',').any(|part| part.trim() == strategy))
    }

    /// The strategic merge key of a list of objects.
    pub fn patch_merge_key(&self) -> Option<&'a str> {
        self.extension("x-kubernetes-patch-merge-key")
            .and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::patch::schema;

    fn deployment() -> Gvk {
        Gvk {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
        }
    }

    #[test]
    fn containers_are_a_list_map_keyed_by_name() {
        let root = schema()
            .root(&deployment())
            .expect("Deployment is in the OpenAPI document");
        let containers = root
            .field("spec")
            .and_then(|s| s.field("template"))
            .and_then(|s| s.field("spec"))
            .and_then(|s| s.field("containers"))
            .expect("containers");
        assert_eq!(containers.list_type(), ListType::Map(vec!["name".into()]));
        assert_eq!(containers.patch_merge_key(), Some("name"));
        assert!(containers.patch_strategy_has("merge"));
        let ports = containers
            .items()
            .and_then(|c| c.field("ports"))
            .expect("ports");
        assert_eq!(
            ports.list_type(),
            ListType::Map(vec!["containerPort".into(), "protocol".into()])
        );
    }

    #[test]
    fn label_selector_is_atomic_and_labels_are_granular() {
        let root = schema().root(&deployment()).expect("Deployment");
        let spec = root.field("spec").expect("spec");
        assert!(spec.field("selector").expect("selector").is_atomic_map());
        let labels = root
            .field("metadata")
            .and_then(|m| m.field("labels"))
            .expect("labels");
        assert!(!labels.is_atomic_map());
        assert!(!labels.is_struct());
        assert!(
            spec.field("strategy")
                .expect("strategy")
                .patch_strategy_has("retainKeys")
        );
    }

    #[test]
    fn custom_kinds_are_unknown() {
        let gvk = Gvk {
            group: "example.com".into(),
            version: "v1".into(),
            kind: "Widget".into(),
        };
        assert!(schema().root(&gvk).is_none());
    }
}
