//! The Deployment controller: one ReplicaSet per pod template
//! (`<deployment>-<pod-template-hash>`), rolled out stepwise under
//! maxSurge / maxUnavailable (or Recreate), old sets scaled down and trimmed
//! to revisionHistoryLimit.

use serde_json::{Value, json};

use super::context::Ctx;
use super::deployment_status::{StatusInput, write_status};
use super::events::{self, DEPLOYMENT, Happening};
use super::util::{
    at, bool_at, controller_ref, int_at, int_or_percent, is_deleting, str_at, template_hash,
    template_without,
};
use crate::model::{annotation, name_of, namespace_of};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH_LABEL: &str = "pod-template-hash";

/// A ReplicaSet of the deployment and the replica count planned for it in this pass.
pub struct Planned<'a> {
    pub rs: Option<&'a Value>,
    pub name: String,
    pub replicas: i64,
}

impl Planned<'_> {
    fn current(&self) -> i64 {
        self.rs
            .and_then(|rs| int_at(rs, &["spec", "replicas"]))
            .unwrap_or(0)
    }

    pub fn status_count(&self, field: &str) -> i64 {
        self.rs
            .and_then(|rs| int_at(rs, &["status", field]))
            .unwrap_or(0)
    }
}

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for deployment in ctx.list("apps", "Deployment") {
        if !is_deleting(deployment) {
            sync(ctx, deployment);
        }
    }
}

pub fn revision_of(rs: &Value) -> i64 {
    annotation(rs, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// maxSurge and maxUnavailable resolved against the desired count (never
/// both 0 for a rolling update; both 0 for Recreate, as in Kubernetes).
pub fn surge_and_unavailable(d: &Value, desired: i64) -> (i64, i64) {
    if str_at(d, &["spec", "strategy", "type"]) == "Recreate" || desired == 0 {
        return (0, 0);
    }
    let rolling = at(d, &["spec", "strategy", "rollingUpdate"]);
    let pct = json!("25%");
    let surge = int_or_percent(
        rolling.and_then(|r| r.get("maxSurge")).or(Some(&pct)),
        desired,
        true,
        0,
    );
    let unavailable = int_or_percent(
        rolling.and_then(|r| r.get("maxUnavailable")).or(Some(&pct)),
        desired,
        false,
        0,
    );
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable.min(desired))
    }
}

fn sync(ctx: &mut Ctx<'_>, d: &Value) {
    let desired = int_at(d, &["spec", "replicas"]).unwrap_or(1).max(0);
    let template = at(d, &["spec", "template"]).cloned().unwrap_or_default();
    let wanted_template = template_without(&template, HASH_LABEL);
    let mut sets: Vec<&Value> = ctx
        .controlled("apps", "ReplicaSet", d)
        .into_iter()
        .filter(|rs| !is_deleting(rs))
        .collect();
    sets.sort_by_key(|rs| {
        (
            revision_of(rs),
            str_at(rs, &["metadata", "creationTimestamp"]).to_owned(),
        )
    });
    let is_new = |rs: &&Value| {
        at(rs, &["spec", "template"])
            .is_some_and(|t| template_without(t, HASH_LABEL) == wanted_template)
    };
    let existing_new = sets.iter().copied().find(is_new);
    let mut old: Vec<Planned<'_>> = sets
        .iter()
        .filter(|rs| !is_new(rs))
        .map(|rs| Planned {
            rs: Some(rs),
            name: name_of(rs).to_owned(),
            replicas: 0,
        })
        .collect();
    for p in &mut old {
        p.replicas = p.current();
    }
    let max_old_revision = old
        .iter()
        .filter_map(|p| p.rs.map(revision_of))
        .max()
        .unwrap_or(0);
    let paused = bool_at(d, &["spec", "paused"]);
    let (surge, max_unavailable) = surge_and_unavailable(d, desired);
    let hash = template_hash(
        &template,
        HASH_LABEL,
        int_at(d, &["status", "collisionCount"]).unwrap_or(0),
    );
    let mut new = match existing_new {
        Some(rs) => Planned {
            rs: Some(rs),
            name: name_of(rs).to_owned(),
            replicas: 0,
        },
        None => Planned {
            rs: None,
            name: format!("{}-{hash}", name_of(d)),
            replicas: 0,
        },
    };
    new.replicas = new.current();
    let created = new.rs.is_none() && !paused;
    if !paused {
        plan_rollout(d, desired, surge, max_unavailable, &mut new, &mut old);
    }
    let new_revision = match new.rs {
        Some(rs) if revision_of(rs) > max_old_revision => revision_of(rs),
        _ => max_old_revision + 1,
    };
    if created {
        create_new_set(
            ctx,
            d,
            &template,
            &hash,
            &new,
            new_revision,
            desired + surge,
        );
    } else if new.rs.is_some() && !paused {
        write_set(ctx, d, &new, Some(new_revision), desired, desired + surge);
    }
    for p in &old {
        write_set(ctx, d, p, None, desired, desired + surge);
    }
    trim_history(ctx, d, &old);
    let input = StatusInput {
        desired,
        max_unavailable,
        paused,
        created,
    };
    // Status first: it carries the rollout's conditions; the revision
    // annotation follows on a later pass when both want the object now.
    write_status(ctx, d, &new, &old, &input);
    if !paused
        && (new.rs.is_some() || created)
        && annotation(d, REVISION) != Some(&new_revision.to_string())
    {
        let mut updated = d.clone();
        crate::model::set_annotation(&mut updated, REVISION, &new_revision.to_string());
        ctx.update(DEPLOYMENT.manager, updated);
    }
}

/// Decides the replica counts of the new and old sets for this step.
fn plan_rollout(
    d: &Value,
    desired: i64,
    surge: i64,
    max_unavailable: i64,
    new: &mut Planned<'_>,
    old: &mut [Planned<'_>],
) {
    let old_total: i64 = old.iter().map(|p| p.replicas).sum();
    if str_at(d, &["spec", "strategy", "type"]) == "Recreate" {
        let old_pods: i64 = old
            .iter()
            .map(|p| p.replicas.max(p.status_count("replicas")))
            .sum();
        old.iter_mut().for_each(|p| p.replicas = 0);
        if old_pods == 0 {
            new.replicas = desired;
        }
        return;
    }
    if new.replicas > desired {
        new.replicas = desired;
        return;
    }
    if new.replicas < desired {
        let room = desired + surge - old_total - new.replicas;
        let step = room.min(desired - new.replicas);
        if step > 0 {
            new.replicas += step;
            return;
        }
    }
    if old_total == 0 {
        return;
    }
    let all_pods = old_total + new.replicas;
    let min_available = desired - max_unavailable;
    let new_unavailable = (new.replicas - new.status_count("availableReplicas")).max(0);
    let mut budget = all_pods - min_available - new_unavailable;
    // Unhealthy old replicas go first: removing them costs no availability.
    for p in old.iter_mut() {
        if budget <= 0 {
            return;
        }
        let unhealthy = (p.replicas - p.status_count("availableReplicas")).max(0);
        let cut = unhealthy.min(budget);
        p.replicas -= cut;
        budget -= cut;
    }
    let available: i64 = old
        .iter()
        .map(|p| p.status_count("availableReplicas").min(p.replicas))
        .sum::<i64>()
        + new.status_count("availableReplicas");
    let mut allowed = (available - min_available).min(budget);
    for p in old.iter_mut() {
        if allowed <= 0 {
            break;
        }
        let cut = p.replicas.min(allowed);
        p.replicas -= cut;
        allowed -= cut;
    }
}

fn scaling_event(ctx: &mut Ctx<'_>, d: &Value, name: &str, from: i64, to: i64) {
    if from == to {
        return;
    }
    let direction = if to > from { "up" } else { "down" };
    let message = format!("Scaled {direction} replica set {name} from {from} to {to}");
    events::emit(
        ctx,
        d,
        DEPLOYMENT,
        Happening::normal("ScalingReplicaSet", &message),
    );
}

fn create_new_set(
    ctx: &mut Ctx<'_>,
    d: &Value,
    template: &Value,
    hash: &str,
    new: &Planned<'_>,
    revision: i64,
    max: i64,
) {
    let mut pod_template = template.clone();
    pod_template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = at(d, &["spec", "selector"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let labels = pod_template["metadata"]["labels"].clone();
    let mut spec = json!({
        "replicas": new.replicas,
        "selector": selector,
        "template": pod_template,
    });
    if let Some(min_ready) = int_at(d, &["spec", "minReadySeconds"]) {
        spec["minReadySeconds"] = json!(min_ready);
    }
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": new.name,
            "namespace": namespace_of(d),
            "labels": labels,
            "annotations": set_annotations(int_at(d, &["spec", "replicas"]).unwrap_or(1), max, revision),
            "ownerReferences": [controller_ref(d)],
        },
        "spec": spec,
    });
    if ctx.create(DEPLOYMENT.manager, rs) {
        scaling_event(ctx, d, &new.name, 0, new.replicas);
    }
}

fn set_annotations(desired: i64, max: i64, revision: i64) -> Value {
    json!({
        "deployment.kubernetes.io/desired-replicas": desired.to_string(),
        "deployment.kubernetes.io/max-replicas": max.to_string(),
        REVISION: revision.to_string(),
    })
}

/// Writes a set's planned replicas (and, for the new set, its revision and sizing annotations).
fn write_set(
    ctx: &mut Ctx<'_>,
    d: &Value,
    p: &Planned<'_>,
    revision: Option<i64>,
    desired: i64,
    max: i64,
) {
    let Some(rs) = p.rs else {
        return;
    };
    let mut updated = rs.clone();
    updated["spec"]["replicas"] = json!(p.replicas);
    if let Some(revision) = revision {
        for (k, v) in set_annotations(desired, max, revision)
            .as_object()
            .into_iter()
            .flatten()
        {
            updated["metadata"]["annotations"][k] = v.clone();
        }
    }
    if let Some(min_ready) = int_at(d, &["spec", "minReadySeconds"]) {
        updated["spec"]["minReadySeconds"] = json!(min_ready);
    }
    if &updated != rs && ctx.update(DEPLOYMENT.manager, updated) {
        scaling_event(ctx, d, &p.name, p.current(), p.replicas);
    }
}

/// Deletes the oldest fully scaled-down sets beyond revisionHistoryLimit.
fn trim_history(ctx: &mut Ctx<'_>, d: &Value, old: &[Planned<'_>]) {
    let limit = int_at(d, &["spec", "revisionHistoryLimit"])
        .unwrap_or(10)
        .max(0) as usize;
    let idle: Vec<&Value> = old
        .iter()
        .filter(|p| p.replicas == 0 && p.current() == 0 && p.status_count("replicas") == 0)
        .filter_map(|p| p.rs)
        .collect();
    let excess = idle.len().saturating_sub(limit);
    for rs in idle.into_iter().take(excess) {
        ctx.delete(rs);
    }
}
