//! Request handlers: one per verb, each translating HTTP to an API operation.

use axum::response::Response;
use http::{Method, header};
use serde_json::{Value, json};

use super::collection::{delete_collection, delete_options, list};
use super::path::{ResourcePath, Route, parse};
use super::request::{
    check_content_type, check_fields, decode, decode_object, read_body, with_warnings,
    write_options, written_response,
};
use super::table::{IncludeObject, table, wants_table};
use super::{
    Incoming, discovery, error_response, json_response, json_response_typed, openapi, watch,
};
use crate::sandbox::Shared;
use crate::sandbox::api::patch::PatchType;
use crate::sandbox::api::{self, Target};
use crate::sandbox::errors::ApiError;
use crate::sandbox::resources::Resource;

/// The verb and kind a request addresses, for fault rules.
/// What a request addresses, as fault rules see it.
pub struct Addressed {
    pub verb: String,
    pub resource: Option<Resource>,
    pub name: Option<String>,
}

impl Addressed {
    pub fn kind(&self) -> &str {
        self.resource.as_ref().map_or("", |r| r.kind.as_str())
    }
}

pub fn addressed(shared: &Shared, req: &Incoming) -> Addressed {
    let Route::Resource(path) = parse(&req.path) else {
        return Addressed {
            verb: "get".into(),
            resource: None,
            name: None,
        };
    };
    let resource = shared
        .state()
        .registry
        .by_plural(&path.group, &path.version, &path.plural)
        .cloned();
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
    Addressed {
        verb: verb.into(),
        resource,
        name: path.name.clone(),
    }
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
        Route::Health => {
            let mut resp = Response::new(axum::body::Body::from("ok"));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            resp
        }
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
            let protobuf = check_content_type(&req)?;
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let body = decode_object(&target, &bytes, protobuf)?;
            let warnings = check_fields(shared, &target, &body, &opts)?;
            let written =
                api::write::create(&mut shared.state(), &target, body, &opts, now, false)?;
            let written = with_warnings(written, warnings);
            shared.changed.notify_one();
            Ok(written_response(written))
        }
        Method::PUT if target.name.is_some() => {
            let protobuf = check_content_type(&req)?;
            let opts = write_options(&req)?;
            let bytes = read_body(body).await?;
            let body = decode_object(&target, &bytes, protobuf)?;
            require_resource_version(&target, &body)?;
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

/// Custom resources, unlike most built-in kinds, refuse an unconditional
/// update (a PUT without metadata.resourceVersion).
fn require_resource_version(target: &Target, body: &Value) -> Result<(), ApiError> {
    let given = body
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .is_some_and(|rv| !rv.is_empty());
    if given || !api::is_custom(&target.resource) {
        return Ok(());
    }
    let name = target.name.as_deref().unwrap_or("");
    Err(ApiError::invalid(
        &target.resource,
        name,
        &[crate::sandbox::errors::Cause::invalid(
            "metadata.resourceVersion",
            "0x0",
            "must be specified for an update",
        )],
    ))
}

pub(super) fn include(req: &Incoming) -> IncludeObject {
    IncludeObject::parse(req.param("includeObject"))
}

pub(super) fn crd_of(state: &api::State, target: &Target) -> Option<Value> {
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
