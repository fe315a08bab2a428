//! The Job controller: runs pods up to parallelism until `completions`
//! succeed, retries failures up to backoffLimit, honours suspend and
//! activeDeadlineSeconds, and writes the conditions the real controller does.

use serde_json::{Value, json};

use super::children::{free_pod_names, is_active, is_ready, new_pod, phase, pods_of};
use super::context::Ctx;
use super::events::{self, Happening, JOB};
use super::util::{
    at, bool_at, conditions_of, find_condition, int_at, is_deleting, plus_secs, set_condition,
    str_at, time_at, time_value, uid_of,
};
use crate::model::name_of;

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for job in ctx.list("batch", "Job") {
        if !is_deleting(job) && !is_finished(job) {
            sync(ctx, job);
        }
    }
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    find_condition(&conditions_of(obj), kind).is_some_and(|c| str_at(c, &["status"]) == "True")
}

/// Complete or Failed: the controller leaves it alone from then on.
pub fn is_finished(job: &Value) -> bool {
    condition_true(job, "Complete") || condition_true(job, "Failed")
}

pub fn succeeded(job: &Value) -> bool {
    condition_true(job, "Complete")
}

fn condition(kind: &str, status: &str, reason: &str, message: &str, now: jiff::Timestamp) -> Value {
    json!({
        "type": kind,
        "status": status,
        "lastProbeTime": time_value(now),
        "reason": reason,
        "message": message,
    })
}

/// Why a job fails now, if it does.
fn failure(
    ctx: &mut Ctx<'_>,
    job: &Value,
    failed: i64,
    started: Option<jiff::Timestamp>,
) -> Option<(&'static str, &'static str)> {
    if failed > int_at(job, &["spec", "backoffLimit"]).unwrap_or(6) {
        return Some((
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        ));
    }
    let deadline = int_at(job, &["spec", "activeDeadlineSeconds"])?;
    let expires = plus_secs(started?, deadline);
    if expires <= ctx.now {
        Some((
            "DeadlineExceeded",
            "Job was active longer than specified deadline",
        ))
    } else {
        ctx.wake_at(expires);
        None
    }
}

fn sync(ctx: &mut Ctx<'_>, job: &Value) {
    let now = ctx.now;
    let pods = pods_of(ctx, job);
    let active: Vec<&Value> = pods.iter().copied().filter(|p| is_active(p)).collect();
    let count = |p: &str| pods.iter().filter(|pod| phase(pod) == p).count() as i64;
    let stored = |field: &str| int_at(job, &["status", field]).unwrap_or(0);
    let succeeded = count("Succeeded").max(stored("succeeded"));
    let failed = count("Failed").max(stored("failed"));
    let parallelism = int_at(job, &["spec", "parallelism"]).unwrap_or(1).max(0);
    let completions = int_at(job, &["spec", "completions"]);
    let mut conditions = conditions_of(job);
    let mut status = json!({});
    let mut start = time_at(job, &["status", "startTime"]);
    let mut remaining_active = active.len();
    let mut completion_time = None;
    if bool_at(job, &["spec", "suspend"]) {
        remaining_active -= delete_pods(ctx, job, &active);
        start = None;
        if !condition_true(job, "Suspended") {
            events::emit(
                ctx,
                job,
                JOB,
                Happening::normal("Suspended", "Job suspended"),
            );
        }
        set_condition(
            &mut conditions,
            condition("Suspended", "True", "JobSuspended", "Job suspended", now),
            now,
        );
    } else {
        if condition_true(job, "Suspended") {
            events::emit(ctx, job, JOB, Happening::normal("Resumed", "Job resumed"));
            set_condition(
                &mut conditions,
                condition("Suspended", "False", "JobResumed", "Job resumed", now),
                now,
            );
        }
        let started = start.unwrap_or(now);
        start = Some(started);
        let complete = match completions {
            Some(c) => succeeded >= c,
            None => succeeded >= 1 && active.is_empty(),
        };
        if let Some((reason, message)) =
            failure(ctx, job, failed, Some(started)).filter(|_| !complete)
        {
            remaining_active -= delete_pods(ctx, job, &active);
            for kind in ["FailureTarget", "Failed"] {
                set_condition(
                    &mut conditions,
                    condition(kind, "True", reason, message, now),
                    now,
                );
            }
            events::emit(ctx, job, JOB, Happening::warning(reason, message));
        } else if complete {
            remaining_active -= delete_pods(ctx, job, &active);
            let message = "Reached expected number of succeeded pods";
            for kind in ["SuccessCriteriaMet", "Complete"] {
                set_condition(
                    &mut conditions,
                    condition(kind, "True", "CompletionsReached", message, now),
                    now,
                );
            }
            completion_time = Some(now);
            events::emit(
                ctx,
                job,
                JOB,
                Happening::normal("Completed", "Job completed"),
            );
        } else {
            let wanted = match completions {
                Some(c) => parallelism.min(c - succeeded),
                None => parallelism,
            };
            let missing = (wanted - active.len() as i64).max(0) as usize;
            create_pods(ctx, job, missing);
        }
    }
    if let Some(t) = start {
        status["startTime"] = time_value(t);
    }
    if let Some(t) = completion_time {
        status["completionTime"] = time_value(t);
    }
    if remaining_active > 0 {
        status["active"] = json!(remaining_active);
    }
    if succeeded > 0 {
        status["succeeded"] = json!(succeeded);
    }
    if failed > 0 {
        status["failed"] = json!(failed);
    }
    let ready = active.iter().filter(|p| is_ready(p)).count();
    status["ready"] = json!(if remaining_active > 0 { ready } else { 0 });
    status["terminating"] = json!(0);
    status["uncountedTerminatedPods"] = json!({});
    if !conditions.is_empty() {
        status["conditions"] = json!(conditions);
    }
    ctx.update_status(JOB.manager, job, status);
}

fn create_pods(ctx: &mut Ctx<'_>, job: &Value, count: usize) {
    let template = at(job, &["spec", "template"]).cloned().unwrap_or_default();
    let uid = uid_of(job).to_owned();
    let name = name_of(job).to_owned();
    let labels = [
        ("batch.kubernetes.io/controller-uid", uid.as_str()),
        ("batch.kubernetes.io/job-name", name.as_str()),
        ("controller-uid", uid.as_str()),
        ("job-name", name.as_str()),
    ];
    for pod_name in free_pod_names(ctx, job, count) {
        if ctx.create(JOB.manager, new_pod(job, &template, &pod_name, &labels)) {
            let message = format!("Created pod: {pod_name}");
            events::emit(
                ctx,
                job,
                JOB,
                Happening::normal("SuccessfulCreate", &message),
            );
        }
    }
}

/// Deletes pods; returns how many deletions were issued.
fn delete_pods(ctx: &mut Ctx<'_>, job: &Value, pods: &[&Value]) -> usize {
    let mut deleted = 0;
    for pod in pods {
        if ctx.delete(pod) {
            deleted += 1;
            let message = format!("Deleted pod: {}", name_of(pod));
            events::emit(
                ctx,
                job,
                JOB,
                Happening::normal("SuccessfulDelete", &message),
            );
        }
    }
    deleted
}
