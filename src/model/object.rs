//! Accessors over untyped Kubernetes objects (`serde_json::Value`) and the
//! identity of a resource.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Kubernetes object as plain JSON: rendered from Git, or read live.
pub type Object = Value;

/// The identity of a resource: API group (empty for core), kind, namespace
/// (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct ResourceKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ResourceKey {
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The key of an object, from its apiVersion, kind, namespace and name.
    pub fn of(obj: &Object) -> Self {
        Self::new(group_of(obj), kind_of(obj), namespace_of(obj), name_of(obj))
    }
}

impl fmt::Display for ResourceKey {
    /// Argo CD's display form: `group/Kind namespace/name`, `/` for the core group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{} {}", self.group, self.kind, self.name)
        } else {
            write!(
                f,
                "{}/{} {}/{}",
                self.group, self.kind, self.namespace, self.name
            )
        }
    }
}

fn str_at<'a>(obj: &'a Object, path: &[&str]) -> &'a str {
    let mut cur = obj;
    for p in path {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

pub fn api_version_of(obj: &Object) -> &str {
    str_at(obj, &["apiVersion"])
}

/// The API group of an object: the part of apiVersion before `/`, empty for core.
pub fn group_of(obj: &Object) -> &str {
    split_api_version(api_version_of(obj)).0
}

/// The version part of apiVersion (`v1` in `apps/v1`).
pub fn version_of(obj: &Object) -> &str {
    split_api_version(api_version_of(obj)).1
}

/// Splits `group/version` into its parts; `v1` is the core group.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

pub fn kind_of(obj: &Object) -> &str {
    str_at(obj, &["kind"])
}

pub fn name_of(obj: &Object) -> &str {
    str_at(obj, &["metadata", "name"])
}

pub fn namespace_of(obj: &Object) -> &str {
    str_at(obj, &["metadata", "namespace"])
}

pub fn annotation<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

pub fn label<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// Sets `metadata.annotations[key]`, creating the maps as needed.
pub fn set_annotation(obj: &mut Object, key: &str, value: &str) {
    set_meta_map_entry(obj, "annotations", key, value);
}

/// Sets `metadata.labels[key]`, creating the maps as needed.
pub fn set_label(obj: &mut Object, key: &str, value: &str) {
    set_meta_map_entry(obj, "labels", key, value);
}

fn set_meta_map_entry(obj: &mut Object, map: &str, key: &str, value: &str) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let entries = meta
        .entry(map)
        .or_insert_with(|| Value::Object(Default::default()));
    if !entries.is_object() {
        *entries = Value::Object(Default::default());
    }
    if let Some(entries) = entries.as_object_mut() {
        entries.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_of_core_and_grouped_objects() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}});
        assert_eq!(
            ResourceKey::of(&svc),
            ResourceKey::new("", "Service", "shop", "web")
        );
        assert_eq!(ResourceKey::of(&svc).to_string(), "/Service shop/web");
        let deploy =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}});
        assert_eq!(group_of(&deploy), "apps");
        assert_eq!(version_of(&deploy), "v1");
        assert_eq!(ResourceKey::of(&deploy).to_string(), "apps/Deployment api");
    }

    #[test]
    fn set_annotation_creates_missing_maps() {
        let mut obj = json!({"kind": "ConfigMap"});
        set_annotation(&mut obj, "a", "b");
        set_label(&mut obj, "l", "v");
        assert_eq!(annotation(&obj, "a"), Some("b"));
        assert_eq!(label(&obj, "l"), Some("v"));
    }
}
