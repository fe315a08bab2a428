//! One-shot reads of live objects as plain JSON, for the CLI.

use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use super::cluster_ref::ClusterRef;
use super::discovery::ApiResourceInfo;
use super::error::ClusterError;
use crate::model::ResourceKey;

impl ClusterRef {
    /// Every object of these (group, kind)s, in `namespace` or in all
    /// namespaces, with `apiVersion` and `kind` set. Kinds the server does
    /// not serve are skipped with a warning.
    pub async fn list_live(
        &self,
        kinds: &[(String, String)],
        namespace: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let mut objects = Vec::new();
        for (group, kind) in kinds {
            let Some(info) = self.resource_for(group, kind).await? else {
                tracing::warn!(cluster = %self.info().name, %group, %kind, "the cluster does not serve this kind; skipped");
                continue;
            };
            let api: Api<DynamicObject> = match namespace {
                Some(ns) if info.namespaced => {
                    Api::namespaced_with(self.client(), ns, &info.api_resource())
                }
                _ => Api::all_with(self.client(), &info.api_resource()),
            };
            let list = api
                .list(&ListParams::default())
                .await
                .map_err(|e| self.error(e))?;
            objects.extend(list.items.into_iter().map(|o| to_json(o, &info)));
        }
        Ok(objects)
    }

    /// The live object with this key; `None` when it (or its kind) does not exist.
    pub async fn get(&self, key: &ResourceKey) -> Result<Option<Value>, ClusterError> {
        let Some(info) = self.resource_for(&key.group, &key.kind).await? else {
            return Ok(None);
        };
        let api: Api<DynamicObject> = if info.namespaced {
            Api::namespaced_with(self.client(), &key.namespace, &info.api_resource())
        } else {
            Api::all_with(self.client(), &info.api_resource())
        };
        let object = api.get_opt(&key.name).await.map_err(|e| self.error(e))?;
        Ok(object.map(|o| to_json(o, &info)))
    }

    /// The core/v1 Events about the object with this uid, oldest first as
    /// the server returns them. An empty namespace searches all namespaces
    /// (events about cluster-scoped objects live in `default`).
    pub async fn events_for(&self, uid: &str, namespace: &str) -> Result<Vec<Value>, ClusterError> {
        let info = ApiResourceInfo {
            group: String::new(),
            version: "v1".into(),
            kind: "Event".into(),
            plural: "events".into(),
            namespaced: true,
            verbs: Vec::new(),
        };
        let api: Api<DynamicObject> = if namespace.is_empty() {
            Api::all_with(self.client(), &info.api_resource())
        } else {
            Api::namespaced_with(self.client(), namespace, &info.api_resource())
        };
        let params = ListParams::default().fields(&format!("involvedObject.uid={uid}"));
        let list = api.list(&params).await.map_err(|e| self.error(e))?;
        Ok(list.items.into_iter().map(|o| to_json(o, &info)).collect())
    }
}

/// A dynamic object as plain JSON with its type set (list items come
/// without one).
pub(crate) fn to_json(object: DynamicObject, info: &ApiResourceInfo) -> Value {
    let Ok(Value::Object(fields)) = serde_json::to_value(object) else {
        return Value::Null;
    };
    let mut typed = serde_json::Map::with_capacity(fields.len() + 2);
    typed.insert("apiVersion".into(), Value::String(info.api_version()));
    typed.insert("kind".into(), Value::String(info.kind.clone()));
    typed.extend(
        fields
            .into_iter()
            .filter(|(k, _)| k != "apiVersion" && k != "kind"),
    );
    Value::Object(typed)
}
