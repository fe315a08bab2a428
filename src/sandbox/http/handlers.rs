//! Request handlers: one per verb, each translating HTTP to an API operation.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, Method, header};
use serde_json::{Value, json};

use super::path::{ResourcePath, Route, parse};
use super::table::{IncludeObject, table, wants_table};
use super::{
    Incoming, MAX_BODY_BYTES, discovery, error_response, json_response, json_response_typed,
    openapi, watch,
};
use crate::sandbox::Shared;
use crate::sandbox::api::delete::{DeleteOptions, Propagation};
use crate::sandbox::api::patch::PatchType;
use crate::sandbox::api::read::ListOptions;
use crate::sandbox::api::{self, FieldValidation, Target, WriteOptions, Written};
use crate::sandbox::errors::ApiError;

/// The verb and kind a request addresses, for fault rules.
pub fn verb_and_kind(shared: &Shared, req: &Incoming) -> (String, String) {
    let Route::Resource(path) = parse(&req.path) else {
        return ("get".into(), String::new());
    };
    let kind = shared
        .state()
        .registry
        .by_plural(&path.group, &path.version, &path.plural)
        .map(|r| r.kind.clone())
        .unwrap_or_default();
    let verb = match (&req.method, path.name.is_some()) {
        (&Method::GET, _) if req.flag("watch") => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "other",
    };
    (verb.into(), kind)
}

pub async fn dispatch(shared: &Shared, req: Incoming) -> Response {
    let route = parse(&req.path);
    let accept = req.header(header::ACCEPT).to_owned();
    let aggregated = discovery::wants_aggregated(&accept);
    let found = |v: Option<Value>| match v {
        Some(v) => json_response(200, &v),
        None => error_response(&ApiError::no_such_resource()),
    };
    match route {
        Route::Version => json_response(200, &discovery::version()),
        Route::LegacyVersions if aggregated => json_response_typed(
            200,
            &discovery::aggregated_core(&shared.state().registry),
            discovery::AGGREGATED_CONTENT_TYPE,
        ),
        Route::LegacyVersions => {
            let host = req.header(header::HOST);
            let address = if host.is_empty() {
                "127.0.0.1:6443"
            } else {
                host
            };
            json_response(200, &discovery::legacy_versions(address))
        }
        Route::Groups if aggregated => json_response_typed(
            200,
            &discovery::aggregated_groups(&shared.state().registry),
            discovery::AGGREGATED_CONTENT_TYPE,
        ),
        Route::Groups => json_response(200, &discovery::groups(&shared.state().registry)),
        Route::Group(g) => found(discovery::group(&shared.state().registry, &g)),
        Route::GroupVersion { group, version } => found(discovery::resource_list(
            &shared.state().registry,
            &group,
            &version,
        )),
        Route::OpenApiV2 => openapi::v2(),
        Route::OpenApiV3Index => openapi::v3_index(),
        Route::OpenApiV3(path) => openapi::v3(&path),
        Route::NotFound => error_response(&ApiError::no_such_resource()),
        Route::Resource(path) => match resource_request(shared, req, path, &accept).await {
            Ok(resp) => resp,
            Err(e) => error_response(&e),
        },
    }
}

fn target(shared: &Shared, path: &ResourcePath) -> Result<Target, ApiError> {
    let state = shared.state();
    let resource = state
        .registry
        .by_plural(&path.group, &path.version, &path.plural)
        .cloned()
        .ok_or_else(ApiError::no_such_resource)?;
    if path.namespace.is_some() && !resource.namespaced {
        return Err(ApiError::no_such_resource());
    }
    if let Some(sub) = path.subresource.as_deref() {
        let allowed = match sub {
            "status" => resource.status,
            "scale" => resource.scale.is_some(),
            "finalize" => resource.finalize,
            _ => false,
        };
        if !allowed {
            return Err(ApiError::no_such_resource());
        }
    }
    Ok(Target {
        resource,
        namespace: path.namespace.clone(),
        name: path.name.clone(),
        subresource: path.subresource.clone(),
    })
}

/// Rejects bodies in encodings the sandbox does not decode (protobuf, CBOR).
fn check_content_type(req: &Incoming) -> Result<(), ApiError> {
    let ct = req.header(header::CONTENT_TYPE);
    if ct.contains("protobuf") || ct.contains("cbor") {
        return Err(ApiError::unsupported_media_type());
    }
    Ok(())
}

async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| ApiError::too_large())
}

/// Parses a JSON (or, for apply, YAML) request body.
fn decode(target: &Target, bytes: &[u8], yaml: bool) -> Result<Value, ApiError> {
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
fn go_json_error(e: &serde_json::Error, bytes: &[u8]) -> String {
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

fn user_agent_manager(req: &Incoming) -> String {
    let ua = req.header(header::USER_AGENT);
    let prefix = ua.split('/').next().unwrap_or("").trim();
    if prefix.is_empty() {
        "unknown".into()
    } else {
        prefix.to_owned()
    }
}

fn write_options(req: &Incoming) -> Result<WriteOptions, ApiError> {
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
fn check_fields(
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

fn with_warnings(mut w: Written, warnings: Vec<String>) -> Written {
    w.warnings.extend(warnings);
    w
}

fn written_response(w: Written) -> Response {
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

async fn resource_request(
    shared: &Shared,
    mut req: Incoming,
    path: ResourcePath,
    accept: &str,
) -> Result<Response, ApiError> {
    let body = std::mem::take(&mut req.body);
    let target = target(shared, &path)?;
    let now = shared.clock.now();
    let sub = target.subresource.clone();
    match req.method {
        Method::GET if req.flag("watch") && target.name.is_none() => {
            let as_table =
                wants_table(accept).then(|| (crd_of(&shared.state(), &target), include(&req)));
            watch::watch(shared, &target, &req, as_table)
        }
        Method::GET if target.name.is_none() => list(shared, &target, &req, accept, now),
        Method::GET => {
            let state = shared.state();
            let object = match sub.as_deref() {
                Some("scale") => api::scale::get(&state, &target)?,
                _ => api::read::get(&state, &target)?,
            };
            if wants_table(accept) {
                let crd = crd_of(&state, &target);
                let t = table(
                    &target.resource,
                    crd.as_ref(),
                    &[object],
                    json!({}),
                    include(&req),
                    now,
                );
                return Ok(json_response(200, &t));
            }
            Ok(json_response(200, &object))
        }
        Method::POST if target.name.is_none() => {
            check_content_type(&req)?;
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let body = decode(&target, &bytes, false)?;
            let warnings = check_fields(shared, &target, &body, &opts)?;
            let written =
                api::write::create(&mut shared.state(), &target, body, &opts, now, false)?;
            let written = with_warnings(written, warnings);
            shared.changed.notify_one();
            Ok(written_response(written))
        }
        Method::PUT if target.name.is_some() => {
            check_content_type(&req)?;
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let body = decode(&target, &bytes, false)?;
            let warnings = check_fields(shared, &target, &body, &opts)?;
            let mut state = shared.state();
            let written = match sub.as_deref() {
                Some("scale") => api::scale::write(&mut state, &target, None, &body, &opts, now)?,
                _ => api::write::update(&mut state, &target, body, &opts, now, false)?,
            };
            drop(state);
            let written = with_warnings(written, warnings);
            shared.changed.notify_one();
            Ok(written_response(written))
        }
        Method::PATCH if target.name.is_some() => {
            let kind = PatchType::from_content_type(req.header(header::CONTENT_TYPE))
                .ok_or_else(ApiError::unsupported_media_type)?;
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let body = decode(&target, &bytes, kind == PatchType::Apply)?;
            let warnings = if kind == PatchType::Json {
                Vec::new()
            } else {
                check_fields(shared, &target, &body, &opts)?
            };
            let mut state = shared.state();
            let written = match sub.as_deref() {
                Some("scale") => {
                    api::scale::write(&mut state, &target, Some(kind), &body, &opts, now)?
                }
                _ => api::patch::patch(&mut state, &target, kind, &body, &opts, now)?,
            };
            drop(state);
            let written = with_warnings(written, warnings);
            shared.changed.notify_one();
            Ok(written_response(written))
        }
        Method::DELETE if target.name.is_some() && sub.is_none() => {
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let delete_opts = delete_options(&req, &bytes)?;
            let body = api::delete::delete(&mut shared.state(), &target, &delete_opts, &opts, now)?;
            shared.changed.notify_one();
            Ok(json_response(200, &body))
        }
        Method::DELETE if target.name.is_none() => {
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let delete_opts = delete_options(&req, &bytes)?;
            let list = delete_collection(shared, &target, &req, &delete_opts, &opts, now)?;
            shared.changed.notify_one();
            Ok(json_response(200, &list))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn include(req: &Incoming) -> IncludeObject {
    IncludeObject::parse(req.param("includeObject"))
}

fn crd_of(state: &api::State, target: &Target) -> Option<Value> {
    if !api::is_custom(&target.resource) {
        return None;
    }
    let name = format!("{}.{}", target.resource.plural, target.resource.group);
    state
        .store
        .get(&crate::model::ResourceKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            "",
            &name,
        ))
        .cloned()
}

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

fn list(
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

fn delete_options(req: &Incoming, body: &[u8]) -> Result<DeleteOptions, ApiError> {
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
    })
}

fn delete_collection(
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
