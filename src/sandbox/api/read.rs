//! GET and LIST.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{State, Target, served_as};
use crate::sandbox::errors::ApiError;
use crate::sandbox::store::selectors::{FieldSelector, LabelSelector};

/// LIST parameters.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

pub fn get(state: &State, target: &Target) -> Result<Value, ApiError> {
    let name = target.name()?;
    state
        .store
        .get(&target.key(name))
        .cloned()
        .map(|o| served_as(&target.resource, o))
        .ok_or_else(|| ApiError::not_found(&target.resource, name))
}

/// Parsed selectors for LIST and WATCH.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    labels: LabelSelector,
    fields: FieldSelector,
    namespace: Option<String>,
}

impl Filter {
    pub fn new(target: &Target, opts: &ListOptions) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(opts.field_selector.as_deref().unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        if let Some(f) = fields.unsupported_field(&target.resource.kind) {
            return Err(ApiError::bad_request(format!(
                "field label not supported: {f}"
            )));
        }
        Ok(Self {
            labels,
            fields,
            namespace: target.namespace.clone(),
        })
    }

    pub fn matches(&self, object: &Value) -> bool {
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        self.namespace.as_deref().is_none_or(|want| want == ns)
            && self.labels.matches(object)
            && self.fields.matches(object)
    }
}

fn position_key(object: &Value) -> String {
    let ns = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{ns}/{name}")
}

fn encode_continue(rv: u64, after: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{after}\u{0}")});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    value
        .get("start")
        .and_then(Value::as_str)
        .map(|s| s.trim_end_matches('\u{0}').to_owned())
        .ok_or_else(bad)
}

/// The matching objects as served, in key order.
pub fn matching(state: &State, target: &Target, filter: &Filter) -> Vec<Value> {
    let r = &target.resource;
    state
        .store
        .list(&r.group, &r.kind, target.namespace.as_deref())
        .filter(|o| filter.matches(o))
        .map(|o| served_as(r, o.clone()))
        .collect()
}

pub fn list(state: &State, target: &Target, opts: &ListOptions) -> Result<Value, ApiError> {
    let filter = Filter::new(target, opts)?;
    let mut items = matching(state, target, &filter);
    if let Some(token) = &opts.continue_token {
        let after = decode_continue(token)?;
        items.retain(|o| position_key(o) > after);
    }
    let rv = state.store.resource_version();
    let mut list_meta = Map::new();
    list_meta.insert("resourceVersion".into(), json!(rv.to_string()));
    if let Some(limit) = opts.limit.filter(|l| *l > 0 && *l < items.len()) {
        let remaining = items.len() - limit;
        items.truncate(limit);
        let last = items.last().map(position_key).unwrap_or_default();
        list_meta.insert("continue".into(), json!(encode_continue(rv, &last)));
        list_meta.insert("remainingItemCount".into(), json!(remaining));
    }
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut o| {
            if let Some(m) = o.as_object_mut() {
                m.remove("kind");
                m.remove("apiVersion");
            }
            o
        })
        .collect();
    Ok(json!({
        "kind": format!("{}List", target.resource.kind),
        "apiVersion": target.resource.api_version(),
        "metadata": list_meta,
        "items": items,
    }))
}
