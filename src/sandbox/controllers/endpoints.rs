//! The endpoints controller: every Service with a selector gets an Endpoints
//! object of the same name listing the pods it selects, ready ones under
//! `addresses` and the rest under `notReadyAddresses`.

use serde_json::{Map, Value, json};

use super::context::Ctx;
use super::events::CONTROLLER_MANAGER;
use super::util::{at, conditions_of, find_condition, is_deleting, labels_of, str_at, uid_of};
use crate::model::{ResourceKey, name_of, namespace_of};

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for service in ctx.list("", "Service") {
        let selector = at(service, &["spec", "selector"]).and_then(Value::as_object);
        let external = str_at(service, &["spec", "type"]) == "ExternalName";
        match selector {
            Some(selector) if !selector.is_empty() && !external && !is_deleting(service) => {
                sync(ctx, service, selector);
            }
            _ => {}
        }
    }
    remove_orphans(ctx);
}

fn selects(selector: &Map<String, Value>, pod: &Value) -> bool {
    let labels = labels_of(pod);
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn is_ready(pod: &Value) -> bool {
    find_condition(&conditions_of(pod), "Ready").is_some_and(|c| c["status"] == "True")
}

fn address(pod: &Value, ip: &str) -> Value {
    json!({
        "ip": ip,
        "nodeName": str_at(pod, &["spec", "nodeName"]),
        "targetRef": {"kind": "Pod", "namespace": namespace_of(pod), "name": name_of(pod), "uid": uid_of(pod)},
    })
}

/// The container port a Service port's targetPort names, or its number.
fn target_port(port: &Value, pod: &Value) -> Option<i64> {
    match port.get("targetPort").or_else(|| port.get("port")) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => at(pod, &["spec", "containers"])
            .and_then(Value::as_array)?
            .iter()
            .filter_map(|c| c.get("ports").and_then(Value::as_array))
            .flatten()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.get("containerPort"))
            .and_then(Value::as_i64),
        _ => None,
    }
}

fn endpoint_ports(service: &Value, pod: &Value) -> Vec<Value> {
    let ports = at(service, &["spec", "ports"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ports
        .iter()
        .filter_map(|p| {
            let mut out = json!({"port": target_port(p, pod)?, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                out["name"] = json!(name);
            }
            if let Some(app) = p.get("appProtocol") {
                out["appProtocol"] = app.clone();
            }
            Some(out)
        })
        .collect()
}

fn subsets(ctx: &Ctx<'_>, service: &Value, selector: &Map<String, Value>) -> Vec<Value> {
    let mut pods: Vec<&Value> = ctx
        .list_in("", "Pod", namespace_of(service))
        .into_iter()
        .filter(|p| !is_deleting(p) && selects(selector, p))
        .filter(|p| !str_at(p, &["status", "podIP"]).is_empty())
        .collect();
    pods.sort_by_key(|p| str_at(p, &["status", "podIP"]));
    let Some(first) = pods.first() else {
        return Vec::new();
    };
    let ports = endpoint_ports(service, first);
    let (ready, not_ready): (Vec<&Value>, Vec<&Value>) =
        pods.into_iter().partition(|p| is_ready(p));
    let mut subset = Map::new();
    let list = |pods: Vec<&Value>| {
        pods.into_iter()
            .map(|p| address(p, str_at(p, &["status", "podIP"])))
            .collect::<Vec<_>>()
    };
    if !ready.is_empty() {
        subset.insert("addresses".into(), json!(list(ready)));
    }
    if !not_ready.is_empty() {
        subset.insert("notReadyAddresses".into(), json!(list(not_ready)));
    }
    if !ports.is_empty() {
        subset.insert("ports".into(), json!(ports));
    }
    vec![Value::Object(subset)]
}

fn sync(ctx: &mut Ctx<'_>, service: &Value, selector: &Map<String, Value>) {
    let subsets = subsets(ctx, service, selector);
    let labels = labels_of(service);
    let key = ResourceKey::new("", "Endpoints", namespace_of(service), name_of(service));
    match ctx.get(&key) {
        None => {
            let mut endpoints = json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": name_of(service), "namespace": namespace_of(service)}});
            if !labels.is_empty() {
                endpoints["metadata"]["labels"] = json!(labels);
            }
            if !subsets.is_empty() {
                endpoints["subsets"] = json!(subsets);
            }
            ctx.create(CONTROLLER_MANAGER, endpoints);
        }
        Some(live) => {
            let live_subsets = live.get("subsets").cloned().unwrap_or(json!([]));
            if live_subsets == json!(subsets) && labels_of(live) == labels {
                return;
            }
            let mut updated = live.clone();
            updated["metadata"]["labels"] = json!(labels);
            match updated.as_object_mut() {
                Some(map) if subsets.is_empty() => {
                    map.remove("subsets");
                }
                Some(map) => {
                    map.insert("subsets".into(), json!(subsets));
                }
                None => return,
            }
            ctx.update(CONTROLLER_MANAGER, updated);
        }
    }
}

/// Endpoints this controller wrote whose Service is gone. Endpoints written
/// by anyone else (a selector-less Service's) are left alone.
fn remove_orphans(ctx: &mut Ctx<'_>) {
    for endpoints in ctx.list("", "Endpoints") {
        let service = ResourceKey::new("", "Service", namespace_of(endpoints), name_of(endpoints));
        let managers: Vec<&str> = at(endpoints, &["metadata", "managedFields"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| str_at(f, &["manager"]))
            .collect();
        let ours = !managers.is_empty() && managers.iter().all(|m| *m == CONTROLLER_MANAGER);
        if ours && !is_deleting(endpoints) && ctx.get(&service).is_none() {
            ctx.delete(endpoints);
        }
    }
}
