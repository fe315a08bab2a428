//! The StatefulSet controller: pods `<name>-<ordinal>` created in order (or
//! in parallel), a PVC `<claim>-<name>-<ordinal>` per volumeClaimTemplate,
//! rolling updates from the highest ordinal down to the partition.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::children::{is_available, is_ready, new_pod, phase, pods_of};
use super::context::Ctx;
use super::events::{self, Happening, STATEFULSET};
use super::replicaset::put_count;
use super::util::{at, generation_of, int_at, is_deleting, str_at, template_hash};
use crate::model::{ResourceKey, label, name_of, namespace_of};

const REVISION_LABEL: &str = "controller-revision-hash";

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for sts in ctx.list("apps", "StatefulSet") {
        if !is_deleting(sts) {
            sync(ctx, sts);
        }
    }
}

fn ordinal_of(sts: &Value, pod: &Value) -> Option<i64> {
    name_of(pod)
        .strip_prefix(&format!("{}-", name_of(sts)))?
        .parse()
        .ok()
}

fn claim_templates(sts: &Value) -> Vec<&Value> {
    at(sts, &["spec", "volumeClaimTemplates"])
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default()
}

fn sync(ctx: &mut Ctx<'_>, sts: &Value) {
    let replicas = int_at(sts, &["spec", "replicas"]).unwrap_or(1).max(0);
    let template = at(sts, &["spec", "template"]).cloned().unwrap_or_default();
    let collisions = int_at(sts, &["status", "collisionCount"]).unwrap_or(0);
    let update_revision = format!(
        "{}-{}",
        name_of(sts),
        template_hash(&template, REVISION_LABEL, collisions)
    );
    let current_revision = match str_at(sts, &["status", "currentRevision"]) {
        "" => update_revision.clone(),
        r => r.to_owned(),
    };
    let pods: BTreeMap<i64, &Value> = pods_of(ctx, sts)
        .into_iter()
        .filter_map(|p| ordinal_of(sts, p).map(|i| (i, p)))
        .collect();
    let parallel = str_at(sts, &["spec", "podManagementPolicy"]) == "Parallel";
    let min_ready = int_at(sts, &["spec", "minReadySeconds"]).unwrap_or(0);
    for i in 0..replicas {
        ensure_claims(ctx, sts, i);
        match pods.get(&i) {
            None => {
                create_pod(ctx, sts, &template, i, &update_revision);
                if !parallel {
                    break;
                }
            }
            Some(pod) if phase(pod) == "Failed" => {
                delete_pod(ctx, sts, pod);
                if !parallel {
                    break;
                }
            }
            Some(pod) if !parallel && !is_ready(pod) => break,
            Some(_) => {}
        }
    }
    let all_healthy = (0..replicas).all(|i| pods.get(&i).is_some_and(|p| is_ready(p)));
    let extra: Vec<&Value> = pods.range(replicas..).rev().map(|(_, p)| *p).collect();
    if !extra.is_empty() && (parallel || all_healthy) {
        for pod in if parallel { &extra[..] } else { &extra[..1] } {
            delete_pod(ctx, sts, pod);
        }
    } else if extra.is_empty() && all_healthy {
        roll_one(ctx, sts, &pods, replicas, &update_revision);
    }
    let live: Vec<&Value> = pods.values().copied().collect();
    let on = |rev: &str| {
        live.iter()
            .filter(|p| label(p, REVISION_LABEL) == Some(rev))
            .count()
    };
    let updated = on(&update_revision);
    let complete = updated as i64 == replicas && live.len() as i64 == replicas;
    let current = if complete {
        update_revision.clone()
    } else {
        current_revision
    };
    let mut status = json!({
        "observedGeneration": generation_of(sts),
        "replicas": live.len(),
        "availableReplicas": live.iter().filter(|p| is_available(ctx, p, min_ready)).count(),
        "currentRevision": current,
        "updateRevision": update_revision,
        "collisionCount": collisions,
    });
    put_count(
        &mut status,
        "readyReplicas",
        live.iter().filter(|p| is_ready(p)).count(),
    );
    put_count(&mut status, "currentReplicas", on(&current));
    put_count(&mut status, "updatedReplicas", updated);
    ctx.update_status(STATEFULSET.manager, sts, status);
}

/// Deletes the highest-ordinal pod (at or above the partition) still on an old revision.
fn roll_one(
    ctx: &mut Ctx<'_>,
    sts: &Value,
    pods: &BTreeMap<i64, &Value>,
    replicas: i64,
    revision: &str,
) {
    if str_at(sts, &["spec", "updateStrategy", "type"]) == "OnDelete" {
        return;
    }
    let partition = int_at(
        sts,
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
    )
    .unwrap_or(0);
    let stale = pods
        .range(partition..replicas)
        .rev()
        .map(|(_, p)| *p)
        .find(|p| label(p, REVISION_LABEL) != Some(revision));
    if let Some(pod) = stale {
        delete_pod(ctx, sts, pod);
    }
}

fn claim_name(template: &Value, sts: &Value, ordinal: i64) -> String {
    format!(
        "{}-{}-{ordinal}",
        str_at(template, &["metadata", "name"]),
        name_of(sts)
    )
}

fn ensure_claims(ctx: &mut Ctx<'_>, sts: &Value, ordinal: i64) {
    let namespace = namespace_of(sts);
    for template in claim_templates(sts) {
        let name = claim_name(template, sts, ordinal);
        if ctx
            .get(&ResourceKey::new(
                "",
                "PersistentVolumeClaim",
                namespace,
                &name,
            ))
            .is_some()
        {
            continue;
        }
        let mut labels = at(template, &["metadata", "labels"])
            .cloned()
            .unwrap_or_else(|| json!({}));
        for (k, v) in at(sts, &["spec", "selector", "matchLabels"])
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            labels[k] = v.clone();
        }
        let claim = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
        });
        if ctx.create(STATEFULSET.manager, claim) {
            let message = format!(
                "create Claim {name} Pod {}-{ordinal} in StatefulSet {} success",
                name_of(sts),
                name_of(sts)
            );
            events::emit(
                ctx,
                sts,
                STATEFULSET,
                Happening::normal("SuccessfulCreate", &message),
            );
        }
    }
}

fn create_pod(ctx: &mut Ctx<'_>, sts: &Value, template: &Value, ordinal: i64, revision: &str) {
    let name = format!("{}-{ordinal}", name_of(sts));
    let index = ordinal.to_string();
    let labels = [
        (REVISION_LABEL, revision),
        ("statefulset.kubernetes.io/pod-name", name.as_str()),
        ("apps.kubernetes.io/pod-index", index.as_str()),
    ];
    let mut pod = new_pod(sts, template, &name, &labels);
    pod["spec"]["hostname"] = json!(name);
    if let Some(service) = at(sts, &["spec", "serviceName"]).and_then(Value::as_str) {
        pod["spec"]["subdomain"] = json!(service);
    }
    for claim in claim_templates(sts) {
        let volume = json!({
            "name": str_at(claim, &["metadata", "name"]),
            "persistentVolumeClaim": {"claimName": claim_name(claim, sts, ordinal)},
        });
        match pod["spec"]["volumes"].as_array_mut() {
            Some(volumes) => volumes.push(volume),
            None => pod["spec"]["volumes"] = json!([volume]),
        }
    }
    if ctx.create(STATEFULSET.manager, pod) {
        let message = format!(
            "create Pod {name} in StatefulSet {} successful",
            name_of(sts)
        );
        events::emit(
            ctx,
            sts,
            STATEFULSET,
            Happening::normal("SuccessfulCreate", &message),
        );
    }
}

fn delete_pod(ctx: &mut Ctx<'_>, sts: &Value, pod: &Value) {
    if ctx.delete(pod) {
        let message = format!(
            "delete Pod {} in StatefulSet {} successful",
            name_of(pod),
            name_of(sts)
        );
        events::emit(
            ctx,
            sts,
            STATEFULSET,
            Happening::normal("SuccessfulDelete", &message),
        );
    }
}
