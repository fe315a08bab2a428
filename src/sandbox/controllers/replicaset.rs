//! The ReplicaSet controller: keeps `spec.replicas` pods of the template
//! running and reports how many are ready and available.

use serde_json::{Map, Value, json};

use super::children::{
    deletion_order, free_pod_names, is_active, is_available, is_ready, new_pod, pods_of,
};
use super::context::Ctx;
use super::events::{self, Happening, REPLICASET};
use super::util::{at, generation_of, int_at, is_deleting, labels_of};
use crate::model::name_of;

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for rs in ctx.list("apps", "ReplicaSet") {
        if !is_deleting(rs) {
            sync(ctx, rs);
        }
    }
}

fn sync(ctx: &mut Ctx<'_>, rs: &Value) {
    let want = int_at(rs, &["spec", "replicas"]).unwrap_or(1).max(0);
    let mut active: Vec<&Value> = pods_of(ctx, rs)
        .into_iter()
        .filter(|p| is_active(p))
        .collect();
    let have = active.len() as i64;
    let template = rs
        .get("spec")
        .and_then(|s| s.get("template"))
        .cloned()
        .unwrap_or_default();
    if want > have {
        for name in free_pod_names(ctx, rs, (want - have) as usize) {
            if ctx.create(REPLICASET.manager, new_pod(rs, &template, &name, &[])) {
                let message = format!("Created pod: {name}");
                events::emit(
                    ctx,
                    rs,
                    REPLICASET,
                    Happening::normal("SuccessfulCreate", &message),
                );
            }
        }
    } else if want < have {
        deletion_order(&mut active);
        for pod in active.iter().take((have - want) as usize) {
            if ctx.delete(pod) {
                let message = format!("Deleted pod: {}", name_of(pod));
                events::emit(
                    ctx,
                    rs,
                    REPLICASET,
                    Happening::normal("SuccessfulDelete", &message),
                );
            }
        }
    }
    let min_ready = int_at(rs, &["spec", "minReadySeconds"]).unwrap_or(0);
    let template_labels: Map<String, Value> = at(&template, &["metadata", "labels"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let fully_labeled = active
        .iter()
        .filter(|p| {
            let labels = labels_of(p);
            template_labels
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v))
        })
        .count();
    let ready = active.iter().filter(|p| is_ready(p)).count();
    let available = active
        .iter()
        .filter(|p| is_available(ctx, p, min_ready))
        .count();
    let mut status = json!({ "replicas": active.len() });
    put_count(&mut status, "fullyLabeledReplicas", fully_labeled);
    put_count(&mut status, "readyReplicas", ready);
    put_count(&mut status, "availableReplicas", available);
    put_count(
        &mut status,
        "observedGeneration",
        generation_of(rs) as usize,
    );
    ctx.update_status(REPLICASET.manager, rs, status);
}

/// Sets a count field, leaving it out when zero as Kubernetes' `omitempty` does.
pub fn put_count(status: &mut Value, field: &str, n: usize) {
    if n > 0 {
        status[field] = json!(n);
    }
}
