//! Reading request bodies and write options, and writing write answers.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, header};
use serde_json::Value;

use super::handlers::crd_of;
use super::{Incoming, MAX_BODY_BYTES, json_response};
use crate::sandbox::Shared;
use crate::sandbox::api::{self, FieldValidation, Target, WriteOptions, Written};
use crate::sandbox::errors::ApiError;

/// Rejects CBOR bodies; tells whether the body is protobuf.
pub(super) fn check_content_type(req: &Incoming) -> Result<bool, ApiError> {
    let ct = req.header(header::CONTENT_TYPE);
    if ct.contains("cbor") {
        return Err(ApiError::unsupported_media_type());
    }
    Ok(ct.contains("protobuf"))
}

/// A create or replace body: JSON, or protobuf for the kinds kubectl's
/// imperative commands send that way (others get 415).
pub(super) fn decode_object(
    target: &Target,
    bytes: &[u8],
    protobuf: bool,
) -> Result<Value, ApiError> {
    if protobuf {
        return super::protobuf::decode(bytes).ok_or_else(ApiError::unsupported_media_type);
    }
    decode(target, bytes, false)
}

pub(super) async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| ApiError::too_large())
}

/// Parses a JSON (or, for apply, YAML) request body.
pub(super) fn decode(target: &Target, bytes: &[u8], yaml: bool) -> Result<Value, ApiError> {
    if yaml {
        return serde_yaml::from_slice::<Value>(bytes)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")));
    }
    serde_json::from_slice::<Value>(bytes).map_err(|e| {
        let snippet = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
        api::write::not_an_object(
            &target.resource,
            &format!("{} ({snippet})", go_json_error(&e, bytes)),
        )
    })
}

/// The Go encoding/json wording for the commonest parse errors.
pub(super) fn go_json_error(e: &serde_json::Error, bytes: &[u8]) -> String {
    let text = e.to_string();
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(e.line().saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let at = bytes
        .get(line_start + e.column().saturating_sub(1))
        .map(|b| *b as char);
    match at {
        Some(c) if text.contains("key must be a string") => {
            format!("invalid character '{c}' looking for beginning of object key string")
        }
        Some(c) if text.starts_with("expected value") => {
            format!("invalid character '{c}' looking for beginning of value")
        }
        _ if text.starts_with("EOF") => "unexpected end of JSON input".into(),
        _ => text,
    }
}

pub(super) fn user_agent_manager(req: &Incoming) -> String {
    let ua = req.header(header::USER_AGENT);
    let prefix = ua.split('/').next().unwrap_or("").trim();
    if prefix.is_empty() {
        "unknown".into()
    } else {
        prefix.to_owned()
    }
}

pub(super) fn write_options(req: &Incoming) -> Result<WriteOptions, ApiError> {
    let field_validation = match req.param("fieldValidation") {
        None | Some("") | Some("Warn") => FieldValidation::Warn,
        Some("Ignore") => FieldValidation::Ignore,
        Some("Strict") => FieldValidation::Strict,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "fieldValidation parameter unsupported: {other}"
            )));
        }
    };
    let dry_run = match req.param("dryRun") {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: \"{other}\": supported values: \"All\""
            )));
        }
    };
    Ok(WriteOptions {
        dry_run,
        field_manager: req
            .param("fieldManager")
            .map_or_else(|| user_agent_manager(req), str::to_owned),
        field_validation,
        force: req.flag("force"),
    })
}

/// Unknown fields in a request body: an error under Strict, warnings under Warn.
pub(super) fn check_fields(
    shared: &Shared,
    target: &Target,
    body: &Value,
    opts: &WriteOptions,
) -> Result<Vec<String>, ApiError> {
    if opts.field_validation == FieldValidation::Ignore || target.subresource.is_some() {
        return Ok(Vec::new());
    }
    let crd = crd_of(&shared.state(), target);
    let unknown: Vec<String> =
        crate::sandbox::schema::unknown_fields(&target.resource, crd.as_ref(), body)
            .into_iter()
            .filter(|f| {
                !f.rsplit('.')
                    .next()
                    .is_some_and(|last| last.starts_with('$'))
            })
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
    if unknown.is_empty() || opts.field_validation == FieldValidation::Warn {
        return Ok(unknown);
    }
    let kind = &target.resource.kind;
    Err(ApiError::bad_request(format!(
        "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
        target.resource.version,
        unknown.join(", ")
    )))
}

pub(super) fn with_warnings(mut w: Written, warnings: Vec<String>) -> Written {
    w.warnings.extend(warnings);
    w
}

pub(super) fn written_response(w: Written) -> Response {
    let mut resp = json_response(if w.created { 201 } else { 200 }, &w.object);
    for warning in w.warnings {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "299 - \"{}\"",
            warning.replace('\\', "\\\\").replace('"', "\\\"")
        )) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}
