//! Namespaces report phase Active once created; deletion is the server's.
//! Every active namespace gets what a real control plane puts there: the
//! `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.

use serde_json::{Value, json};

use super::context::Ctx;
use super::events::CONTROLLER_MANAGER;
use super::util::{is_deleting, str_at};
use crate::model::{ResourceKey, name_of};

/// The CA certificate published in every namespace's `kube-root-ca.crt`.
const ROOT_CA: &str = include_str!("sandbox-ca.crt");

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for namespace in ctx.list("", "Namespace") {
        if is_deleting(namespace) {
            continue;
        }
        if str_at(namespace, &["status", "phase"]).is_empty() {
            ctx.update_status("kube-apiserver", namespace, json!({"phase": "Active"}));
        }
        populate(ctx, name_of(namespace));
    }
}

fn populate(ctx: &mut Ctx<'_>, namespace: &str) {
    let account = ResourceKey::new("", "ServiceAccount", namespace, "default");
    if ctx.get(&account).is_none() {
        ctx.create(
            CONTROLLER_MANAGER,
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": namespace}}),
        );
    }
    let ca = ResourceKey::new("", "ConfigMap", namespace, "kube-root-ca.crt");
    match ctx.get(&ca) {
        None => {
            ctx.create(CONTROLLER_MANAGER, root_ca_config_map(namespace));
        }
        Some(live) if live.pointer("/data/ca.crt").and_then(Value::as_str) != Some(ROOT_CA) => {
            let mut fixed = live.clone();
            fixed["data"] = json!({"ca.crt": ROOT_CA});
            ctx.update(CONTROLLER_MANAGER, fixed);
        }
        Some(_) => {}
    }
}

fn root_ca_config_map(namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt", "namespace": namespace,
            "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
        "data": {"ca.crt": ROOT_CA}})
}
