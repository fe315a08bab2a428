//! The HTTP face of the sandbox: routing, authentication, fault injection,
//! and the translation between requests and API operations.

mod collection;
mod discovery;
mod handlers;
pub(crate) mod openapi;
pub mod path;
mod protobuf;
mod request;
mod table;
mod watch;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State as AxumState};
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use super::Shared;
use super::errors::ApiError;
use super::faults::{FaultEffect, error_for};

pub use discovery::AGGREGATED_CONTENT_TYPE;
pub use table::human_duration;

/// The largest request body the real server accepts (3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

/// A JSON response with the given status.
pub fn json_response(status: u16, body: &Value) -> Response {
    json_response_typed(status, body, "application/json")
}

pub fn json_response_typed(status: u16, body: &Value, content_type: &str) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

pub fn error_response(e: &ApiError) -> Response {
    let mut resp = json_response(e.code, &e.to_status());
    if let Some(secs) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The parts of a request the handlers need.
pub struct Incoming {
    pub method: http::Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Body,
}

impl Incoming {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("true" | "1"))
    }
}

fn parse_query(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Decodes `%XX` escapes and `+` as a space, as query strings use them.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = &shared.token else {
        return true;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given.trim() == token)
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !authorized(&shared, &parts.headers) {
        return error_response(&ApiError::unauthorized());
    }
    let incoming = Incoming {
        method: parts.method,
        path: percent_decode(parts.uri.path()),
        query: parse_query(parts.uri.query()),
        headers: parts.headers,
        body,
    };
    let addressed = handlers::addressed(&shared, &incoming);
    let effects = shared.faults().draw(&addressed.verb, addressed.kind());
    for effect in &effects {
        match effect {
            FaultEffect::Latency(d) | FaultEffect::Timeout(d) => tokio::time::sleep(*d).await,
            _ => {}
        }
        let name = addressed.name.as_deref().unwrap_or("");
        if let Some(e) = error_for(effect, addressed.resource.as_ref(), name) {
            return error_response(&e);
        }
    }
    handlers::dispatch(&shared, incoming).await
}
