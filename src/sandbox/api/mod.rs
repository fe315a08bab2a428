//! The API operations (get, list, create, update, patch, delete) over the
//! store, independent of HTTP: the router and the controller loop both call
//! these, so every write takes the same path.

pub mod delete;
pub mod meta;
pub mod patch;
pub mod pod_grace;
pub mod read;
pub mod scale;
pub mod write;

use serde_json::Value;

use super::defaults::Allocator;
use super::errors::ApiError;
use super::registry::Registry;
use super::resources::Resource;
use super::store::Store;
use crate::model::ResourceKey;

/// Everything the sandbox holds.
#[derive(Debug, Default)]
pub struct State {
    pub store: Store,
    pub registry: Registry,
    pub alloc: Allocator,
}

/// How unknown or duplicate fields are treated (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

/// Options every write carries.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_manager: String,
    pub field_validation: FieldValidation,
    pub force: bool,
}

/// A written object and any warnings for the `Warning` header.
#[derive(Debug, Clone)]
pub struct Written {
    pub object: Value,
    pub created: bool,
    pub warnings: Vec<String>,
}

/// Where a request points: a resource, a namespace, maybe one object.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource: Resource,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

impl Target {
    pub fn key(&self, name: &str) -> ResourceKey {
        ResourceKey::new(
            &self.resource.group,
            &self.resource.kind,
            self.namespace.as_deref().unwrap_or(""),
            name,
        )
    }

    pub fn name(&self) -> Result<&str, ApiError> {
        self.name
            .as_deref()
            .ok_or_else(ApiError::method_not_allowed)
    }
}

/// Kinds whose metadata.generation the server maintains.
pub fn has_generation(resource: &Resource) -> bool {
    let built_in = matches!(
        (resource.group.as_str(), resource.kind.as_str()),
        (
            "apps",
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
        ) | ("batch", "Job" | "CronJob")
            | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
            | ("policy", "PodDisruptionBudget")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
    );
    built_in || is_custom(resource)
}

pub fn is_custom(resource: &Resource) -> bool {
    !resource.group.is_empty()
        && !super::resources::BUILT_IN_GROUPS
            .iter()
            .any(|(g, _)| *g == resource.group)
}

/// The object as served at `resource`'s version.
pub fn served_as(resource: &Resource, object: Value) -> Value {
    let mut object =
        super::convert::to_version(&resource.group, &resource.kind, &resource.version, object);
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::from(resource.api_version()));
    }
    if is_custom(resource) {
        // Custom resources are served as unstructured JSON: keys sorted.
        sort_keys(&mut object);
    } else {
        meta::canonicalize(&mut object);
    }
    object
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut v) in entries {
                sort_keys(&mut v);
                map.insert(k, v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}
