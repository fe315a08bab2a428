//! The bundled OpenAPI documents (v2, and v3 per group/version) kubectl
//! fetches for apply, explain and validation.

use std::io::Read;

use axum::response::Response;
use serde_json::Value;

use super::{error_response, json_response};
use crate::sandbox::errors::ApiError;

const V2: &[u8] = include_bytes!("../../../assets/k8s/openapi-v2.json.gz");
const V3_INDEX: &str = include_str!("../../../assets/k8s/openapi-v3/index.json");

/// The v3 documents the sandbox has, by path (`api/v1`, `apis/apps/v1`).
pub(crate) const V3: &[(&str, &[u8])] = &[
    (
        "api/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/api_v1.json.gz"),
    ),
    (
        "apis/apiextensions.k8s.io/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_apiextensions.k8s.io_v1.json.gz"),
    ),
    (
        "apis/apps/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_apps_v1.json.gz"),
    ),
    (
        "apis/autoscaling/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_autoscaling_v1.json.gz"),
    ),
    (
        "apis/autoscaling/v2",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_autoscaling_v2.json.gz"),
    ),
    (
        "apis/batch/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_batch_v1.json.gz"),
    ),
    (
        "apis/coordination.k8s.io/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_coordination.k8s.io_v1.json.gz"),
    ),
    (
        "apis/networking.k8s.io/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_networking.k8s.io_v1.json.gz"),
    ),
    (
        "apis/policy/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_policy_v1.json.gz"),
    ),
    (
        "apis/rbac.authorization.k8s.io/v1",
        include_bytes!("../../../assets/k8s/openapi-v3/apis_rbac.authorization.k8s.io_v1.json.gz"),
    ),
];

pub(crate) fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn raw_json(bytes: Vec<u8>) -> Response {
    let mut resp = Response::new(axum::body::Body::from(bytes));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

pub fn v2() -> Response {
    match gunzip(V2) {
        Some(doc) => raw_json(doc),
        None => error_response(&ApiError::new(
            500,
            "InternalError",
            "bundled OpenAPI v2 document is unreadable",
        )),
    }
}

/// The v3 index, listing only the documents the sandbox serves.
pub fn v3_index() -> Response {
    let Ok(mut index) = serde_json::from_str::<Value>(V3_INDEX) else {
        return error_response(&ApiError::new(
            500,
            "InternalError",
            "bundled OpenAPI v3 index is unreadable",
        ));
    };
    if let Some(paths) = index.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|path, _| V3.iter().any(|(p, _)| p == path));
    }
    json_response(200, &index)
}

pub fn v3(path: &str) -> Response {
    match V3
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, b)| gunzip(b))
    {
        Some(doc) => raw_json(doc),
        None => error_response(&ApiError::no_such_resource()),
    }
}
