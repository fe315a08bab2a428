//! Writes to a cluster: server-side apply (field manager `plumb`), create,
//! replace with the live resourceVersion, delete with a propagation policy,
//! dry runs (`dryRun=All`) and finalizer patches. Transient answers (429,
//! 5xx, and a 409 where a retry is meaningful) are retried a few times with
//! a short backoff before the error is returned.

use std::time::Duration;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::cluster_ref::ClusterRef;
use super::discovery::ApiResourceInfo;
use super::error::ClusterError;
use super::live::to_json;
use crate::engine::policy::Propagation;
use crate::model::{ResourceKey, group_of, kind_of, name_of, namespace_of};

/// The field manager of every write plumb makes.
pub const FIELD_MANAGER: &str = "plumb";

/// How many times a transient failure is tried before giving up.
const ATTEMPTS: u32 = 6;

/// Whether a write only validates (`dryRun=All`) or takes ownership of
/// conflicting fields (`force`, server-side apply only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub force: bool,
}

impl ClusterRef {
    /// The dynamic API for an object's kind and namespace; `None` when the
    /// cluster does not serve the kind.
    pub async fn api_for(
        &self,
        group: &str,
        kind: &str,
        namespace: &str,
    ) -> Result<Option<(Api<DynamicObject>, ApiResourceInfo)>, ClusterError> {
        let Some(info) = self.resource_for(group, kind).await? else {
            return Ok(None);
        };
        let resource = info.api_resource();
        let api = if info.namespaced {
            Api::namespaced_with(self.client(), namespace, &resource)
        } else {
            Api::all_with(self.client(), &resource)
        };
        Ok(Some((api, info)))
    }

    async fn api_for_object(
        &self,
        object: &Value,
    ) -> Result<(Api<DynamicObject>, ApiResourceInfo), ClusterError> {
        let (group, kind) = (group_of(object), kind_of(object));
        self.api_for(group, kind, namespace_of(object))
            .await?
            .ok_or_else(|| self.unserved(group, kind))
    }

    fn unserved(&self, group: &str, kind: &str) -> ClusterError {
        let kind = if group.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}.{group}")
        };
        ClusterError::Request {
            cluster: self.info().name.clone(),
            message: format!("the server does not serve the kind {kind}"),
        }
    }

    /// Server-side apply of `object`; returns the object the server answered.
    pub async fn apply(
        &self,
        object: &Value,
        options: WriteOptions,
    ) -> Result<Value, ClusterError> {
        let (api, info) = self.api_for_object(object).await?;
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = options.force;
        params.dry_run = options.dry_run;
        let name = name_of(object);
        let patch = Patch::Apply(object);
        let applied = self
            .retrying(true, || api.patch(name, &params, &patch))
            .await?;
        Ok(to_json(applied, &info))
    }

    /// Creates `object`; fails with 409 when it exists.
    pub async fn create(&self, object: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        let (api, info) = self.api_for_object(object).await?;
        let dynamic = to_dynamic(object, self)?;
        let params = PostParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.into()),
        };
        let created = self
            .retrying(false, || api.create(&params, &dynamic))
            .await?;
        Ok(to_json(created, &info))
    }

    /// Replaces the live object with `object` (a PUT carrying the live
    /// resourceVersion, read again when the server reports a conflict).
    pub async fn replace(&self, object: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        let (api, info) = self.api_for_object(object).await?;
        let name = name_of(object);
        let params = PostParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.into()),
        };
        let replaced = self
            .retrying(true, || async {
                let live = api.get(name).await?;
                let mut dynamic = to_dynamic(object, self).map_err(request_error)?;
                dynamic.metadata.resource_version = live.metadata.resource_version;
                api.replace(name, &params, &dynamic).await
            })
            .await?;
        Ok(to_json(replaced, &info))
    }

    /// Writes `object` as given (a PUT): its `metadata.resourceVersion` is
    /// the precondition, so a concurrent change answers 409, which is
    /// returned rather than retried.
    pub async fn update(&self, object: &Value) -> Result<Value, ClusterError> {
        let (api, info) = self.api_for_object(object).await?;
        let dynamic = to_dynamic(object, self)?;
        let params = PostParams {
            dry_run: false,
            field_manager: Some(FIELD_MANAGER.into()),
        };
        let updated = self
            .retrying(false, || api.replace(name_of(object), &params, &dynamic))
            .await?;
        Ok(to_json(updated, &info))
    }

    /// Deletes the object; `Ok(false)` when it (or its kind) did not exist.
    pub async fn delete(
        &self,
        key: &ResourceKey,
        propagation: Propagation,
        dry_run: bool,
    ) -> Result<bool, ClusterError> {
        let Some((api, _)) = self.api_for(&key.group, &key.kind, &key.namespace).await? else {
            return Ok(false);
        };
        let params = DeleteParams {
            dry_run,
            propagation_policy: Some(match propagation {
                Propagation::Foreground => kube::api::PropagationPolicy::Foreground,
                Propagation::Background => kube::api::PropagationPolicy::Background,
                Propagation::Orphan => kube::api::PropagationPolicy::Orphan,
            }),
            ..DeleteParams::default()
        };
        match self
            .retrying(false, || api.delete(&key.name, &params))
            .await
        {
            Ok(_) => Ok(true),
            Err(ClusterError::Api { code: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds `finalizer` to the live object unless present; `Ok(false)` when
    /// the object does not exist.
    pub async fn add_finalizer(
        &self,
        key: &ResourceKey,
        finalizer: &str,
    ) -> Result<bool, ClusterError> {
        self.edit_finalizers(key, finalizer, true).await
    }

    /// Removes `finalizer` from the live object; `Ok(false)` when the object
    /// does not exist.
    pub async fn remove_finalizer(
        &self,
        key: &ResourceKey,
        finalizer: &str,
    ) -> Result<bool, ClusterError> {
        self.edit_finalizers(key, finalizer, false).await
    }

    /// A JSON patch guarded by a `test` of the current list, so a concurrent
    /// change makes the server refuse it and the edit is recomputed.
    async fn edit_finalizers(
        &self,
        key: &ResourceKey,
        finalizer: &str,
        add: bool,
    ) -> Result<bool, ClusterError> {
        let Some((api, _)) = self.api_for(&key.group, &key.kind, &key.namespace).await? else {
            return Ok(false);
        };
        let result = self
            .retrying(true, || async {
                let Some(live) = api.get_opt(&key.name).await? else {
                    return Ok(false);
                };
                let current = live.metadata.finalizers.clone();
                let Some(patch) = finalizer_patch(current.as_deref(), finalizer, add) else {
                    return Ok(true);
                };
                let patch: json_patch::Patch =
                    serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
                api.patch(
                    &key.name,
                    &PatchParams::default(),
                    &Patch::Json::<()>(patch),
                )
                .await
                .map(|_| true)
            })
            .await;
        match result {
            Err(ClusterError::Api { code: 404, .. }) => Ok(false),
            other => other,
        }
    }

    /// Runs `request` until it succeeds, fails for good, or the attempts run out.
    async fn retrying<T, F, Fut>(
        &self,
        retry_conflicts: bool,
        request: F,
    ) -> Result<T, ClusterError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut delay = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match request().await {
                Ok(value) => return Ok(value),
                Err(e) if attempt < ATTEMPTS && is_transient(&e, retry_conflicts) => {
                    tracing::debug!(cluster = %self.info().name, attempt, error = %e, "retrying a write");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                    attempt += 1;
                }
                Err(e) => return Err(self.error(e)),
            }
        }
    }
}

fn is_transient(error: &kube::Error, retry_conflicts: bool) -> bool {
    match error {
        kube::Error::Api(status) => {
            matches!(status.code, 429 | 500 | 502 | 503 | 504)
                || (retry_conflicts && status.code == 409)
        }
        _ => false,
    }
}

fn request_error(error: ClusterError) -> kube::Error {
    kube::Error::Service(error.to_string().into())
}

fn to_dynamic(object: &Value, cluster: &ClusterRef) -> Result<DynamicObject, ClusterError> {
    serde_json::from_value(object.clone()).map_err(|e| ClusterError::Request {
        cluster: cluster.info().name.clone(),
        message: format!(
            "{} {} is not a valid object: {e}",
            kind_of(object),
            name_of(object)
        ),
    })
}

/// The JSON patch that adds or removes `finalizer`, or `None` when nothing
/// changes.
fn finalizer_patch(current: Option<&[String]>, finalizer: &str, add: bool) -> Option<Value> {
    let list = current.unwrap_or_default();
    let present = list.iter().any(|f| f == finalizer);
    if present == add {
        return None;
    }
    if add && current.is_none() {
        return Some(json!([{"op": "add", "path": "/metadata/finalizers", "value": [finalizer]}]));
    }
    let change = if add {
        json!({"op": "add", "path": "/metadata/finalizers/-", "value": finalizer})
    } else {
        let rest: Vec<&String> = list.iter().filter(|f| *f != finalizer).collect();
        json!({"op": "replace", "path": "/metadata/finalizers", "value": rest})
    };
    Some(json!([{"op": "test", "path": "/metadata/finalizers", "value": list}, change]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finalizer_patch_adds_removes_or_leaves_alone() {
        assert_eq!(finalizer_patch(None, "f", false), None);
        assert_eq!(
            finalizer_patch(None, "f", true),
            Some(json!([{"op": "add", "path": "/metadata/finalizers", "value": ["f"]}]))
        );
        let list = vec!["a".to_owned(), "f".to_owned()];
        assert_eq!(finalizer_patch(Some(&list), "f", true), None);
        let removed = finalizer_patch(Some(&list), "f", false).unwrap();
        assert_eq!(removed[1]["value"], json!(["a"]));
        assert_eq!(removed[0]["op"], "test");
    }
}
