//! What owners need to know about their pods: which are theirs, which are
//! active, ready or available, and how a new one is written.

use std::collections::HashSet;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::context::Ctx;
use super::util::{
    at, conditions_of, controller_ref, find_condition, is_deleting, name_suffix, plus_secs, str_at,
    time_at, uid_of,
};
use crate::model::{name_of, namespace_of};

/// The pods an owner controls (by controller ownerReference), not being deleted.
pub fn pods_of<'a>(ctx: &Ctx<'a>, owner: &Value) -> Vec<&'a Value> {
    ctx.controlled("", "Pod", owner)
        .into_iter()
        .filter(|p| !is_deleting(p))
        .collect()
}

pub fn phase(pod: &Value) -> &str {
    str_at(pod, &["status", "phase"])
}

/// Not finished: neither Succeeded nor Failed.
pub fn is_active(pod: &Value) -> bool {
    !matches!(phase(pod), "Succeeded" | "Failed")
}

/// Since when the pod has been Ready, if it is.
pub fn ready_since(pod: &Value) -> Option<Timestamp> {
    let conditions = conditions_of(pod);
    let ready = find_condition(&conditions, "Ready")?;
    (str_at(ready, &["status"]) == "True").then(|| time_at(ready, &["lastTransitionTime"]))?
}

pub fn is_ready(pod: &Value) -> bool {
    ready_since(pod).is_some()
}

/// Ready for at least `min_ready_seconds`; otherwise notes when it will be.
pub fn is_available(ctx: &mut Ctx<'_>, pod: &Value, min_ready_seconds: i64) -> bool {
    let Some(since) = ready_since(pod) else {
        return false;
    };
    let at_time = plus_secs(since, min_ready_seconds);
    if at_time <= ctx.now {
        true
    } else {
        ctx.wake_at(at_time);
        false
    }
}

/// A pod built from a template, owned by `owner`.
pub fn new_pod(
    owner: &Value,
    template: &Value,
    name: &str,
    extra_labels: &[(&str, &str)],
) -> Value {
    let mut labels: Map<String, Value> = at(template, &["metadata", "labels"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert((*k).to_owned(), json!(v));
    }
    let mut metadata = json!({
        "name": name,
        "generateName": format!("{}-", str_at(owner, &["metadata", "name"])),
        "namespace": namespace_of(owner),
        "labels": labels,
        "ownerReferences": [controller_ref(owner)],
    });
    if let Some(annotations) = at(template, &["metadata", "annotations"]) {
        metadata["annotations"] = annotations.clone();
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

/// Orders pods so the ones to delete first come first: unscheduled, then
/// pending, then not ready, then the most restarted, then the newest.
pub fn deletion_order(pods: &mut [&Value]) {
    pods.sort_by_key(|p| {
        let scheduled = !str_at(p, &["spec", "nodeName"]).is_empty();
        let phase_rank = match phase(p) {
            "Pending" | "" => 0,
            "Running" => 2,
            _ => 1,
        };
        let restarts: i64 = at(p, &["status", "containerStatuses"])
            .and_then(Value::as_array)
            .map(|cs| cs.iter().filter_map(|c| c["restartCount"].as_i64()).sum())
            .unwrap_or(0);
        let created = str_at(p, &["metadata", "creationTimestamp"]).to_owned();
        (
            scheduled,
            phase_rank,
            is_ready(p),
            -restarts,
            std::cmp::Reverse(created),
            str_at(p, &["metadata", "name"]).to_owned(),
        )
    });
}

/// Fresh names `<owner>-<5 chars>` not used by any pod of the namespace. The
/// suffixes depend on the owner and the time, so a deleted pod's name is not
/// handed straight back to its replacement.
pub fn free_pod_names(ctx: &Ctx<'_>, owner: &Value, count: usize) -> Vec<String> {
    let taken: HashSet<&str> = ctx
        .list_in("", "Pod", namespace_of(owner))
        .into_iter()
        .map(name_of)
        .collect();
    let moment = ctx.now.to_string();
    (0u64..)
        .map(|n| {
            let suffix = name_suffix(&[uid_of(owner), &moment, &n.to_string()]);
            format!("{}-{suffix}", name_of(owner))
        })
        .filter(|name| !taken.contains(name.as_str()))
        .take(count)
        .collect()
}
