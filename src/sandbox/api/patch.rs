//! PATCH in its four flavours, through the patch engine, then the ordinary
//! update path (or create, for server-side apply of a new object).

use serde_json::Value;

use super::meta::meta_mut;
use super::write::{create, update};
use super::{State, Target, WriteOptions, Written, served_as};
use crate::sandbox::errors::ApiError;
use crate::sandbox::patch::{self, Gvk, PatchError, managed};

/// The patch types kube-apiserver accepts, by Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Strategic,
    Apply,
}

impl PatchType {
    /// The patch type of a Content-Type header, or `None` (415).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence {
            "application/merge-patch+json" => Some(Self::Merge),
            "application/json-patch+json" => Some(Self::Json),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Some(Self::Apply),
            _ => None,
        }
    }
}

fn gvk(target: &Target) -> Gvk {
    Gvk {
        group: target.resource.group.clone(),
        version: target.resource.version.clone(),
        kind: target.resource.kind.clone(),
    }
}

fn patch_error(e: PatchError) -> ApiError {
    ApiError::new(e.code(), e.reason(), e.to_string())
}

/// Applies `patch` to the live object (or creates it for apply).
pub fn patch(
    state: &mut State,
    target: &Target,
    kind: PatchType,
    body: &Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Written, ApiError> {
    let resource = &target.resource;
    let name = target.name()?.to_owned();
    let live = state
        .store
        .get(&target.key(&name))
        .cloned()
        .map(|o| served_as(resource, o));
    if kind == PatchType::Apply {
        return apply(state, target, live, body, opts, now);
    }
    let Some(live) = live else {
        return Err(ApiError::not_found(resource, &name));
    };
    if kind != PatchType::Json && !body.is_object() {
        return Err(ApiError::bad_request(
            "json: cannot unmarshal into Go value of type map[string]interface {}",
        ));
    }
    let patched = match kind {
        PatchType::Merge => patch::merge_patch(&live, body),
        PatchType::Json => patch::json_patch(&live, body).map_err(patch_error)?,
        PatchType::Strategic => {
            if super::is_custom(resource) {
                return Err(ApiError::unsupported_media_type());
            }
            patch::strategic_merge_patch(&live, body, &gvk(target)).map_err(patch_error)?
        }
        PatchType::Apply => live.clone(),
    };
    let mut patched = patched;
    // A patch only checks the resourceVersion when it sets one itself.
    let patch_sets_rv = body.pointer("/metadata/resourceVersion").is_some();
    if !patch_sets_rv && let Some(m) = meta_mut(&mut patched) {
        m.remove("resourceVersion");
    }
    update(state, target, patched, opts, now, false)
}

fn apply(
    state: &mut State,
    target: &Target,
    live: Option<Value>,
    body: &Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Written, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "error decoding YAML: expected an object",
        ));
    }
    if opts.field_manager.is_empty() {
        return Err(ApiError::bad_request(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    // With a status subresource, the main resource ignores an applied status.
    let mut applied = body.clone();
    if target.resource.status
        && target.subresource.is_none()
        && let Some(map) = applied.as_object_mut()
    {
        map.remove("status");
    }
    let mut merged = managed::server_side_apply(
        live.as_ref(),
        &applied,
        &opts.field_manager,
        opts.force,
        now,
        &gvk(target),
    )
    .map_err(|c| {
        let status = c.status();
        let mut e = ApiError::new(
            409,
            "Conflict",
            status
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("conflict")
                .to_owned(),
        );
        e.details = status.get("details").cloned().map(Box::new);
        e
    })?;
    match live {
        None => create(state, target, merged, opts, now, true),
        Some(_) => {
            if let Some(m) = meta_mut(&mut merged)
                && body.pointer("/metadata/resourceVersion").is_none()
            {
                m.remove("resourceVersion");
            }
            update(state, target, merged, opts, now, true)
        }
    }
}
