//! Namespaces report phase Active once created; deletion is the server's.

use serde_json::json;

use super::context::Ctx;
use super::util::{is_deleting, str_at};

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for namespace in ctx.list("", "Namespace") {
        if !is_deleting(namespace) && str_at(namespace, &["status", "phase"]).is_empty() {
            ctx.update_status("kube-apiserver", namespace, json!({"phase": "Active"}));
        }
    }
}
