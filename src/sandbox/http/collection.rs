//! LIST (plain and Table) and DELETE of a collection.

use axum::response::Response;
use serde_json::{Value, json};

use super::handlers::{crd_of, include};
use super::table::{table, wants_table};
use super::{Incoming, json_response};
use crate::sandbox::Shared;
use crate::sandbox::api::delete::{DeleteOptions, Propagation};
use crate::sandbox::api::read::ListOptions;
use crate::sandbox::api::{self, Target, WriteOptions};
use crate::sandbox::errors::ApiError;

fn list_options(req: &Incoming) -> ListOptions {
    ListOptions {
        label_selector: req.param("labelSelector").map(str::to_owned),
        field_selector: req.param("fieldSelector").map(str::to_owned),
        limit: req.param("limit").and_then(|l| l.parse().ok()),
        continue_token: req
            .param("continue")
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
    }
}

pub(super) fn list(
    shared: &Shared,
    target: &Target,
    req: &Incoming,
    accept: &str,
    now: jiff::Timestamp,
) -> Result<Response, ApiError> {
    let state = shared.state();
    let list = api::read::list(&state, target, &list_options(req))?;
    if wants_table(accept) {
        let items: Vec<Value> = list["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut o| {
                if let Some(m) = o.as_object_mut() {
                    m.insert("kind".into(), json!(target.resource.kind));
                    m.insert("apiVersion".into(), json!(target.resource.api_version()));
                }
                o
            })
            .collect();
        let crd = crd_of(&state, target);
        let t = table(
            &target.resource,
            crd.as_ref(),
            &items,
            list["metadata"].clone(),
            include(req),
            now,
        );
        return Ok(json_response(200, &t));
    }
    Ok(json_response(200, &list))
}

pub(super) fn delete_options(req: &Incoming, body: &[u8]) -> Result<DeleteOptions, ApiError> {
    let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let mut policy = parsed["propagationPolicy"].as_str().map(str::to_owned);
    if let Some(p) = req.param("propagationPolicy") {
        policy = Some(p.to_owned());
    }
    if parsed["orphanDependents"].as_bool() == Some(true)
        || req.param("orphanDependents") == Some("true")
    {
        policy = Some("Orphan".into());
    }
    Ok(DeleteOptions {
        propagation: policy.as_deref().map(Propagation::parse).transpose()?,
        precondition_uid: parsed
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_owned),
        precondition_rv: parsed
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_owned),
        grace_period: match req.param("gracePeriodSeconds") {
            Some(text) => Some(text.parse().map_err(|_| {
                ApiError::bad_request(format!("invalid gracePeriodSeconds: {text}"))
            })?),
            None => parsed["gracePeriodSeconds"].as_i64(),
        },
    })
}

pub(super) fn delete_collection(
    shared: &Shared,
    target: &Target,
    req: &Incoming,
    delete_opts: &DeleteOptions,
    opts: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Value, ApiError> {
    let mut state = shared.state();
    let list = api::read::list(&state, target, &list_options(req))?;
    let mut items = Vec::new();
    for item in list["items"].as_array().cloned().unwrap_or_default() {
        let mut one = target.clone();
        one.name = item
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        one.namespace = item
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_owned);
        api::delete::delete(&mut state, &one, delete_opts, opts, now)?;
        items.push(item);
    }
    Ok(
        json!({"kind": format!("{}List", target.resource.kind), "apiVersion": target.resource.api_version(),
        "metadata": {"resourceVersion": state.store.resource_version().to_string()}, "items": items}),
    )
}
