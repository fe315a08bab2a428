//! CREATE and UPDATE (PUT), including the status subresource; the shared
//! commit path every write ends in.

use serde_json::Value;

use super::meta::{self, canonicalize, carry_server_fields, meta_mut, spec_part, stamp_new};
use super::{State, Target, WriteOptions, Written, has_generation, served_as};
use crate::model::ResourceKey;
use crate::sandbox::defaults::{self, fill};
use crate::sandbox::errors::{ApiError, Cause};
use crate::sandbox::patch::managed;
use crate::sandbox::resources::Resource;
use crate::sandbox::{immutable, validation};

/// A 400 for a body that is not a JSON object.
pub fn not_an_object(resource: &Resource, raw: &str) -> ApiError {
    ApiError::bad_request(format!(
        "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: {raw}",
        resource.kind
    ))
}

fn check_namespace(state: &State, target: &Target, body: &Value) -> Result<(), ApiError> {
    let Some(ns) = target.namespace.as_deref() else {
        return Ok(());
    };
    if let Some(in_body) = meta::meta_str(body, "namespace")
        && !in_body.is_empty()
        && in_body != ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    let key = ResourceKey::new("", "Namespace", "", ns);
    match state.store.get(&key) {
        None => Err(ApiError::namespace_not_found(ns)),
        Some(n) if meta::is_deleting(n) => Err(ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                target.resource.qualified_plural(),
                meta::meta_str(body, "name").unwrap_or("")
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn validate(resource: &Resource, name: &str, object: &Value) -> Result<(), ApiError> {
    let mut causes = validation::name_causes(&resource.group, &resource.kind, name);
    causes.extend(validation::spec_causes(
        &resource.group,
        &resource.kind,
        object,
    ));
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(resource, name, &causes))
    }
}

/// Prunes a custom resource to its CRD's schema.
fn prune_custom(state: &State, resource: &Resource, object: &mut Value) {
    if !super::is_custom(resource) {
        return;
    }
    let name = format!("{}.{}", resource.plural, resource.group);
    let key = ResourceKey::new(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "",
        &name,
    );
    if let Some(crd) = state.store.get(&key) {
        crate::sandbox::schema::prune(resource, crd, object);
    }
}

/// Creates an object. With `applied`, managed fields were already set
/// by server-side apply.
pub fn create(
    state: &mut State,
    target: &Target,
    mut body: Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
    applied: bool,
) -> Result<Written, ApiError> {
    let resource = &target.resource;
    if !body.is_object() {
        return Err(not_an_object(resource, "expected an object"));
    }
    let mut name = meta::meta_str(&body, "name").unwrap_or("").to_owned();
    if name.is_empty() {
        let prefix = meta::meta_str(&body, "generateName")
            .unwrap_or("")
            .to_owned();
        if prefix.is_empty() {
            return Err(ApiError::invalid(
                resource,
                "",
                &[Cause {
                    reason: "FieldValueRequired",
                    message: "Required value: name or generateName is required".into(),
                    field: "metadata.name".into(),
                }],
            ));
        }
        name = format!("{prefix}{}", state.alloc.suffix());
    }
    check_namespace(state, target, &body)?;
    let key = target.key(&name);
    if state.store.get(&key).is_some() {
        return Err(ApiError::already_exists(resource, &name));
    }
    let uid = uuid::Uuid::new_v4().to_string();
    stamp_new(&mut body, &uid, now, has_generation(resource));
    if let Some(m) = meta_mut(&mut body) {
        m.insert("name".into(), Value::from(name.clone()));
        if let Some(ns) = &target.namespace {
            m.insert("namespace".into(), Value::from(ns.clone()));
        }
    }
    if let Some(map) = body.as_object_mut() {
        map.insert("apiVersion".into(), Value::from(resource.api_version()));
        map.insert("kind".into(), Value::from(resource.kind.clone()));
        if resource.status {
            map.remove("status");
        }
    }
    prune_custom(state, resource, &mut body);
    defaults::apply(&resource.group, &resource.kind, &mut body);
    if !applied {
        managed::record_update(None, &mut body, &opts.field_manager, None, now);
    }
    let (group, kind) = (&resource.group, &resource.kind);
    fill::on_create(group, kind, &mut body, &mut state.alloc, &uid, &name);
    if resource.kind == "CustomResourceDefinition" {
        crate::sandbox::crd::prepare_new(&mut body);
    }
    validate(resource, &name, &body)?;
    let object = commit(state, target, key, body, opts, now)?;
    Ok(Written {
        object,
        created: true,
        warnings: Vec::new(),
    })
}

/// Replaces an object (PUT), or its status with `subresource = status`.
pub fn update(
    state: &mut State,
    target: &Target,
    body: Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
    applied: bool,
) -> Result<Written, ApiError> {
    let resource = &target.resource;
    let name = target.name()?.to_owned();
    if !body.is_object() {
        return Err(not_an_object(resource, "expected an object"));
    }
    if let Some(in_body) = meta::meta_str(&body, "name")
        && in_body != name
    {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name on the URL",
        ));
    }
    let key = target.key(&name);
    let Some(live) = state.store.get(&key).cloned() else {
        return Err(ApiError::not_found(resource, &name));
    };
    let live = served_as(resource, live);
    if let Some(rv) = meta::meta_str(&body, "resourceVersion")
        && !rv.is_empty()
        && Some(rv) != meta::meta_str(&live, "resourceVersion")
    {
        return Err(ApiError::conflict(resource, &name));
    }
    let status_write = target.subresource.as_deref() == Some("status");
    let mut next = if status_write {
        let mut next = live.clone();
        if let (Some(map), Some(status)) = (next.as_object_mut(), body.get("status")) {
            map.insert("status".into(), status.clone());
        }
        next
    } else {
        let mut next = body;
        if resource.status
            && let Some(map) = next.as_object_mut()
        {
            map.remove("status");
            if let Some(status) = live.get("status") {
                map.insert("status".into(), status.clone());
            }
        }
        next
    };
    carry_server_fields(&live, &mut next);
    if let Some(map) = next.as_object_mut() {
        map.insert("apiVersion".into(), Value::from(resource.api_version()));
        map.insert("kind".into(), Value::from(resource.kind.clone()));
        if let Some(m) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            m.insert("name".into(), Value::from(name.clone()));
            if let Some(ns) = &target.namespace {
                m.insert("namespace".into(), Value::from(ns.clone()));
            }
            if meta::is_deleting(&live) {
                // Finalizers may only shrink once deletion started.
                m.remove("deletionTimestamp");
                if let Some(ts) = live.pointer("/metadata/deletionTimestamp") {
                    m.insert("deletionTimestamp".into(), ts.clone());
                }
            }
        }
        let finalize = target.subresource.as_deref() == Some("finalize");
        if resource.kind == "Namespace" && resource.group.is_empty() && !finalize {
            // Spec finalizers change only through /finalize.
            if let Some(spec) = live.get("spec") {
                map.insert("spec".into(), spec.clone());
            }
        }
    }
    prune_custom(state, resource, &mut next);
    immutable::keep_allocations(&resource.group, &resource.kind, &live, &mut next);
    defaults::apply(&resource.group, &resource.kind, &mut next);
    if !applied {
        let sub = target.subresource.as_deref();
        managed::record_update(Some(&live), &mut next, &opts.field_manager, sub, now);
    }
    fill::on_update(&resource.group, &resource.kind, &mut next, &mut state.alloc);
    validate(resource, &name, &next)?;
    let causes = immutable::update_causes(&resource.group, &resource.kind, &live, &next);
    if !causes.is_empty() {
        return Err(ApiError::invalid(resource, &name, &causes));
    }
    if has_generation(resource) && spec_part(&next) != spec_part(&live) {
        let generation = live
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if let Some(m) = meta_mut(&mut next) {
            m.insert("generation".into(), Value::from(generation + 1));
        }
    }
    let unchanged = without_rv(&next) == without_rv(&live);
    let object = if unchanged {
        served_as(resource, live)
    } else {
        commit(state, target, key, next, opts, now)?
    };
    Ok(Written {
        object,
        created: false,
        warnings: Vec::new(),
    })
}

fn without_rv(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = meta_mut(&mut o) {
        m.remove("resourceVersion");
        if let Some(Value::Array(fields)) = m.get_mut("managedFields") {
            for f in fields.iter_mut().filter_map(Value::as_object_mut) {
                f.remove("time");
            }
        }
    }
    o
}

/// Stores the object (unless dry run) and returns it as served. An object
/// being deleted whose last finalizer is gone is removed instead.
pub fn commit(
    state: &mut State,
    target: &Target,
    key: ResourceKey,
    mut object: Value,
    opts: &WriteOptions,
    now: jiff::Timestamp,
) -> Result<Value, ApiError> {
    canonicalize(&mut object);
    if opts.dry_run {
        return Ok(served_as(&target.resource, object));
    }
    if meta::is_deleting(&object) && meta::finalizers(&object).is_empty() {
        state.store.put(key.clone(), object)?;
        let removed = state.store.remove(&key)?.unwrap_or(Value::Null);
        super::delete::collect_garbage(state, now);
        return Ok(served_as(&target.resource, removed));
    }
    let stored = state.store.put(key, object)?;
    super::delete::collect_garbage(state, now);
    Ok(served_as(&target.resource, stored))
}
