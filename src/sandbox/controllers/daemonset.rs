//! The DaemonSet controller: one pod per simulated node, pinned by node
//! affinity, replaced node by node on template changes within maxUnavailable.

use serde_json::{Value, json};

use super::NODES;
use super::children::{free_pod_names, is_available, is_ready, new_pod, pods_of};
use super::context::Ctx;
use super::events::{self, DAEMONSET, Happening};
use super::replicaset::put_count;
use super::util::{at, generation_of, int_at, int_or_percent, is_deleting, str_at, template_hash};
use crate::model::{label, name_of};

const REVISION_LABEL: &str = "controller-revision-hash";

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for ds in ctx.list("apps", "DaemonSet") {
        if !is_deleting(ds) {
            sync(ctx, ds);
        }
    }
}

/// The node a daemon pod runs on or is pinned to.
fn node_of(pod: &Value) -> String {
    let bound = str_at(pod, &["spec", "nodeName"]);
    if !bound.is_empty() {
        return bound.to_owned();
    }
    at(
        pod,
        &[
            "spec",
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ],
    )
    .and_then(|t| t.pointer("/0/matchFields/0/values/0"))
    .and_then(Value::as_str)
    .unwrap_or("")
    .to_owned()
}

fn pinned_to(node: &str) -> Value {
    json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    ]}}})
}

fn sync(ctx: &mut Ctx<'_>, ds: &Value) {
    let template = at(ds, &["spec", "template"]).cloned().unwrap_or_default();
    let collisions = int_at(ds, &["status", "collisionCount"]).unwrap_or(0);
    let hash = template_hash(&template, REVISION_LABEL, collisions);
    let generation = generation_of(ds).to_string();
    let min_ready = int_at(ds, &["spec", "minReadySeconds"]).unwrap_or(0);
    let pods = pods_of(ctx, ds);
    let mut per_node: Vec<Option<&Value>> = Vec::new();
    let mut missing = Vec::new();
    for node in NODES {
        let mut on_node: Vec<&Value> = pods
            .iter()
            .copied()
            .filter(|p| node_of(p) == node)
            .collect();
        on_node.sort_by_key(|p| {
            (
                label(p, REVISION_LABEL) != Some(hash.as_str()),
                !is_ready(p),
            )
        });
        for extra in on_node.iter().skip(1) {
            delete_pod(ctx, ds, extra);
        }
        if on_node.is_empty() {
            missing.push(node);
        }
        per_node.push(on_node.first().copied());
    }
    let names = free_pod_names(ctx, ds, missing.len());
    for (node, name) in missing.into_iter().zip(names) {
        let labels = [
            (REVISION_LABEL, hash.as_str()),
            ("pod-template-generation", generation.as_str()),
        ];
        let mut pod = new_pod(ds, &template, &name, &labels);
        pod["spec"]["affinity"] = pinned_to(node);
        if ctx.create(DAEMONSET.manager, pod) {
            let message = format!("Created pod: {name}");
            events::emit(
                ctx,
                ds,
                DAEMONSET,
                Happening::normal("SuccessfulCreate", &message),
            );
        }
    }
    let placed: Vec<&Value> = per_node.iter().flatten().copied().collect();
    let available = placed
        .iter()
        .filter(|p| is_available(ctx, p, min_ready))
        .count();
    let desired = NODES.len();
    if str_at(ds, &["spec", "updateStrategy", "type"]) != "OnDelete" {
        let max_unavailable = int_or_percent(
            at(
                ds,
                &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
            ),
            desired as i64,
            true,
            1,
        )
        .max(1);
        let mut budget = max_unavailable - (desired - available) as i64;
        for pod in placed
            .iter()
            .filter(|p| label(p, REVISION_LABEL) != Some(hash.as_str()))
        {
            let costs = is_ready(pod);
            if costs && budget <= 0 {
                continue;
            }
            delete_pod(ctx, ds, pod);
            budget -= i64::from(costs);
        }
    }
    let mut status = json!({
        "currentNumberScheduled": placed.len(),
        "numberMisscheduled": 0,
        "desiredNumberScheduled": desired,
        "numberReady": placed.iter().filter(|p| is_ready(p)).count(),
        "observedGeneration": generation_of(ds),
    });
    put_count(
        &mut status,
        "updatedNumberScheduled",
        placed
            .iter()
            .filter(|p| label(p, REVISION_LABEL) == Some(hash.as_str()))
            .count(),
    );
    put_count(&mut status, "numberAvailable", available);
    put_count(&mut status, "numberUnavailable", desired - available);
    ctx.update_status(DAEMONSET.manager, ds, status);
}

fn delete_pod(ctx: &mut Ctx<'_>, ds: &Value, pod: &Value) {
    if ctx.delete(pod) {
        let message = format!("Deleted pod: {}", name_of(pod));
        events::emit(
            ctx,
            ds,
            DAEMONSET,
            Happening::normal("SuccessfulDelete", &message),
        );
    }
}
