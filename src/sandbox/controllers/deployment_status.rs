//! A Deployment's status: counts summed over its ReplicaSets and the
//! Available / Progressing conditions, including the progress deadline.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::context::Ctx;
use super::deployment::Planned;
use super::events::DEPLOYMENT;
use super::replicaset::put_count;
use super::util::{
    conditions_of, find_condition, generation_of, int_at, plus_secs, str_at, time_at, time_value,
};

pub struct StatusInput {
    pub desired: i64,
    pub max_unavailable: i64,
    pub paused: bool,
    /// The new ReplicaSet is being created in this pass.
    pub created: bool,
}

struct Counts {
    replicas: i64,
    updated: i64,
    ready: i64,
    available: i64,
}

pub fn write_status(
    ctx: &mut Ctx<'_>,
    d: &Value,
    new: &Planned<'_>,
    old: &[Planned<'_>],
    input: &StatusInput,
) {
    let all = || old.iter().chain(std::iter::once(new));
    let counts = Counts {
        replicas: all().map(|p| p.status_count("replicas")).sum(),
        updated: new.status_count("replicas"),
        ready: all().map(|p| p.status_count("readyReplicas")).sum(),
        available: all().map(|p| p.status_count("availableReplicas")).sum(),
    };
    let planned_total: i64 = all().map(|p| p.replicas).sum();
    let mut status = json!({});
    put_count(&mut status, "observedGeneration", generation_of(d) as usize);
    put_count(&mut status, "replicas", counts.replicas as usize);
    put_count(&mut status, "updatedReplicas", counts.updated as usize);
    put_count(&mut status, "readyReplicas", counts.ready as usize);
    put_count(&mut status, "availableReplicas", counts.available as usize);
    put_count(
        &mut status,
        "unavailableReplicas",
        (planned_total - counts.available).max(0) as usize,
    );
    if let Some(collisions) = int_at(d, &["status", "collisionCount"]) {
        status["collisionCount"] = json!(collisions);
    }
    let mut conditions = conditions_of(d);
    let now = ctx.now;
    let available_ok = counts.available >= input.desired - input.max_unavailable;
    let available = if available_ok {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    set(&mut conditions, "Available", available, now);
    progressing(ctx, d, &mut conditions, new, &counts, input);
    status["conditions"] = json!(conditions);
    ctx.update_status(DEPLOYMENT.manager, d, status);
}

/// Sets a deployment condition the way the controller does: unchanged when
/// status and reason are the same; lastTransitionTime kept when only the reason changes.
fn set(
    conditions: &mut Vec<Value>,
    kind: &str,
    (status, reason, message): (&str, &str, &str),
    now: Timestamp,
) {
    let current = conditions.iter().position(|c| str_at(c, &["type"]) == kind);
    if let Some(i) = current {
        let c = &conditions[i];
        if str_at(c, &["status"]) == status && str_at(c, &["reason"]) == reason {
            return;
        }
    }
    let transition = match current.map(|i| &conditions[i]) {
        Some(c) if str_at(c, &["status"]) == status => c["lastTransitionTime"].clone(),
        _ => time_value(now),
    };
    let condition = json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": time_value(now),
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    });
    match current {
        Some(i) => conditions[i] = condition,
        None => conditions.push(condition),
    }
}

fn progressing(
    ctx: &mut Ctx<'_>,
    d: &Value,
    conditions: &mut Vec<Value>,
    new: &Planned<'_>,
    counts: &Counts,
    input: &StatusInput,
) {
    let now = ctx.now;
    let rs = &new.name;
    let current = find_condition(conditions, "Progressing").cloned();
    let reason = current
        .as_ref()
        .map(|c| str_at(c, &["reason"]).to_owned())
        .unwrap_or_default();
    if input.paused {
        set(
            conditions,
            "Progressing",
            ("Unknown", "DeploymentPaused", "Deployment is paused"),
            now,
        );
        return;
    }
    if reason == "DeploymentPaused" {
        set(
            conditions,
            "Progressing",
            ("Unknown", "DeploymentResumed", "Deployment is resumed"),
            now,
        );
        return;
    }
    if input.created {
        let message = format!("Created new replica set \"{rs}\"");
        set(
            conditions,
            "Progressing",
            ("True", "NewReplicaSetCreated", &message),
            now,
        );
        return;
    }
    if current.is_none() {
        let message = format!("Found new replica set \"{rs}\"");
        set(
            conditions,
            "Progressing",
            ("True", "FoundNewReplicaSet", &message),
            now,
        );
    }
    let desired = input.desired;
    let complete =
        counts.updated == desired && counts.replicas == desired && counts.available == desired;
    let old_counts = |field: &str| int_at(d, &["status", field]).unwrap_or(0);
    let old_stale = old_counts("replicas") - old_counts("updatedReplicas");
    let progressed = counts.updated > old_counts("updatedReplicas")
        || counts.ready > old_counts("readyReplicas")
        || counts.available > old_counts("availableReplicas")
        || counts.replicas - counts.updated < old_stale;
    if complete {
        let message = format!("ReplicaSet \"{rs}\" has successfully progressed.");
        set(
            conditions,
            "Progressing",
            ("True", "NewReplicaSetAvailable", &message),
            now,
        );
        return;
    }
    if progressed {
        let transition = match &current {
            Some(c) if str_at(c, &["status"]) == "True" => c["lastTransitionTime"].clone(),
            _ => time_value(now),
        };
        conditions.retain(|c| str_at(c, &["type"]) != "Progressing");
        conditions.push(json!({
            "type": "Progressing",
            "status": "True",
            "lastUpdateTime": time_value(now),
            "lastTransitionTime": transition,
            "reason": "ReplicaSetUpdated",
            "message": format!("ReplicaSet \"{rs}\" is progressing."),
        }));
        return;
    }
    let Some(cond) = find_condition(conditions, "Progressing") else {
        return;
    };
    let deadline = int_at(d, &["spec", "progressDeadlineSeconds"]).unwrap_or(600);
    if matches!(
        str_at(cond, &["reason"]),
        "NewReplicaSetAvailable" | "ProgressDeadlineExceeded"
    ) {
        return;
    }
    let Some(last_update) = time_at(cond, &["lastUpdateTime"]) else {
        return;
    };
    let expires = plus_secs(last_update, deadline);
    if expires < now {
        let message = format!("ReplicaSet \"{rs}\" has timed out progressing.");
        set(
            conditions,
            "Progressing",
            ("False", "ProgressDeadlineExceeded", &message),
            now,
        );
    } else {
        ctx.wake_at(plus_secs(expires, 1));
    }
}
