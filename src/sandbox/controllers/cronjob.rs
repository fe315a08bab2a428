//! The CronJob controller: creates a Job (`<cronjob>-<minutes since epoch>`)
//! for the latest schedule time that has come, honouring suspend,
//! concurrencyPolicy, startingDeadlineSeconds and the history limits.

use std::str::FromStr;

use croner::Cron;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::context::Ctx;
use super::events::{self, CRONJOB, Happening};
use super::job::{is_finished, succeeded};
use super::util::{
    at, bool_at, controller_ref, created_at, int_at, is_deleting, plus_secs, str_at, time_at,
    time_value, uid_of,
};
use crate::model::{name_of, namespace_of};

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for cronjob in ctx.list("batch", "CronJob") {
        if !is_deleting(cronjob) {
            sync(ctx, cronjob);
        }
    }
}

struct Schedule {
    cron: Cron,
    zone: TimeZone,
}

impl Schedule {
    fn of(cronjob: &Value) -> Option<Self> {
        let cron = Cron::from_str(str_at(cronjob, &["spec", "schedule"])).ok()?;
        let zone = match str_at(cronjob, &["spec", "timeZone"]) {
            "" => TimeZone::UTC,
            name => TimeZone::get(name).ok()?,
        };
        Some(Self { cron, zone })
    }

    fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        let zoned = t.to_zoned(self.zone.clone());
        self.cron
            .find_next_occurrence(&zoned, false)
            .ok()
            .map(|z| z.timestamp())
    }

    /// The latest schedule time in (after, now], if any.
    fn latest_due(&self, after: Timestamp, now: Timestamp) -> Option<Timestamp> {
        let zoned = now.to_zoned(self.zone.clone());
        self.cron
            .find_previous_occurrence(&zoned, true)
            .ok()
            .map(|z| z.timestamp())
            .filter(|t| *t > after)
    }
}

fn sync(ctx: &mut Ctx<'_>, cronjob: &Value) {
    let now = ctx.now;
    let jobs: Vec<&Value> = ctx
        .controlled("batch", "Job", cronjob)
        .into_iter()
        .filter(|j| !is_deleting(j))
        .collect();
    let previously_active: Vec<&str> = at(cronjob, &["status", "active"])
        .and_then(Value::as_array)
        .map(|refs| refs.iter().map(|r| str_at(r, &["name"])).collect())
        .unwrap_or_default();
    let mut last_successful = time_at(cronjob, &["status", "lastSuccessfulTime"]);
    for job in jobs.iter().filter(|j| is_finished(j)) {
        if previously_active.contains(&name_of(job)) {
            let outcome = if succeeded(job) { "Complete" } else { "Failed" };
            let message = format!("Saw completed job: {}, condition: {outcome}", name_of(job));
            events::emit(
                ctx,
                cronjob,
                CRONJOB,
                Happening::normal("SawCompletedJob", &message),
            );
        }
        if succeeded(job) {
            let done = time_at(job, &["status", "completionTime"]);
            last_successful = last_successful.max(done);
        }
    }
    trim_history(ctx, cronjob, &jobs);
    let active: Vec<&Value> = jobs.iter().copied().filter(|j| !is_finished(j)).collect();
    let mut last_schedule = time_at(cronjob, &["status", "lastScheduleTime"]);
    let schedule = Schedule::of(cronjob);
    if schedule.is_none() {
        let spec = str_at(cronjob, &["spec", "schedule"]);
        let message = format!("invalid schedule: {spec}");
        let what = Happening::warning("InvalidSchedule", &message);
        events::observe(ctx, cronjob, CRONJOB, what, spec, 1, now, now);
    }
    if let Some(schedule) = schedule {
        let since = last_schedule.unwrap_or_else(|| created_at(cronjob, now));
        if !bool_at(cronjob, &["spec", "suspend"]) {
            if let Some(due) = schedule
                .latest_due(since, now)
                .filter(|due| start_job(ctx, cronjob, &active, *due))
            {
                last_schedule = Some(due);
            }
            if let Some(next) = schedule.next_after(now.max(since)) {
                ctx.wake_at(next);
            }
        }
    }
    let mut status = json!({});
    if !active.is_empty() {
        let refs: Vec<Value> = active
            .iter()
            .map(|j| {
                json!({
                    "kind": "Job",
                    "namespace": namespace_of(j),
                    "name": name_of(j),
                    "uid": uid_of(j),
                    "apiVersion": "batch/v1",
                })
            })
            .collect();
        status["active"] = json!(refs);
    }
    if let Some(t) = last_schedule {
        status["lastScheduleTime"] = time_value(t);
    }
    if let Some(t) = last_successful {
        status["lastSuccessfulTime"] = time_value(t);
    }
    ctx.update_status(CRONJOB.manager, cronjob, status);
}

/// Starts the job for schedule time `due`. True when that time is dealt with
/// (started, or missed past its starting deadline); false when it must wait.
fn start_job(ctx: &mut Ctx<'_>, cronjob: &Value, active: &[&Value], due: Timestamp) -> bool {
    let deadline = int_at(cronjob, &["spec", "startingDeadlineSeconds"]);
    if deadline.is_some_and(|d| plus_secs(due, d) < ctx.now) {
        let message = format!(
            "Missed scheduled time to start a job: {}",
            time_value(due).as_str().unwrap_or("")
        );
        events::emit(
            ctx,
            cronjob,
            CRONJOB,
            Happening::warning("MissSchedule", &message),
        );
        return true;
    }
    match str_at(cronjob, &["spec", "concurrencyPolicy"]) {
        "Forbid" if !active.is_empty() => {
            let message = "Not starting job because prior execution is running and concurrency policy is Forbid";
            events::emit(
                ctx,
                cronjob,
                CRONJOB,
                Happening::normal("JobAlreadyActive", message),
            );
            return false;
        }
        "Replace" => {
            for job in active {
                if ctx.delete(job) {
                    let message = format!("Deleted job {}", name_of(job));
                    events::emit(
                        ctx,
                        cronjob,
                        CRONJOB,
                        Happening::normal("SuccessfulDelete", &message),
                    );
                }
            }
        }
        _ => {}
    }
    let name = format!("{}-{}", name_of(cronjob), due.as_second() / 60);
    let template = at(cronjob, &["spec", "jobTemplate"])
        .cloned()
        .unwrap_or_default();
    let mut metadata = json!({
        "name": name,
        "namespace": namespace_of(cronjob),
        "ownerReferences": [controller_ref(cronjob)],
        "annotations": {"batch.kubernetes.io/cronjob-scheduled-timestamp": time_value(due)},
    });
    if let Some(labels) = at(&template, &["metadata", "labels"]) {
        metadata["labels"] = labels.clone();
    }
    if let Some(annotations) =
        at(&template, &["metadata", "annotations"]).and_then(Value::as_object)
    {
        for (k, v) in annotations {
            metadata["annotations"][k] = v.clone();
        }
    }
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    });
    if ctx.create(CRONJOB.manager, job) {
        let message = format!("Created job {name}");
        events::emit(
            ctx,
            cronjob,
            CRONJOB,
            Happening::normal("SuccessfulCreate", &message),
        );
        true
    } else {
        // Already created for this time (or written this pass): the schedule was met.
        ctx.get(&crate::model::ResourceKey::new(
            "batch",
            "Job",
            namespace_of(cronjob),
            &name,
        ))
        .is_some()
    }
}

/// Keeps only the newest finished jobs allowed by the history limits.
fn trim_history(ctx: &mut Ctx<'_>, cronjob: &Value, jobs: &[&Value]) {
    for (wants_success, field, default) in [
        (true, "successfulJobsHistoryLimit", 3),
        (false, "failedJobsHistoryLimit", 1),
    ] {
        let limit = int_at(cronjob, &["spec", field]).unwrap_or(default).max(0) as usize;
        let mut finished: Vec<&Value> = jobs
            .iter()
            .copied()
            .filter(|j| is_finished(j) && succeeded(j) == wants_success)
            .collect();
        finished.sort_by_key(|j| str_at(j, &["metadata", "creationTimestamp"]).to_owned());
        let excess = finished.len().saturating_sub(limit);
        for job in finished.into_iter().take(excess) {
            if ctx.delete(job) {
                let message = format!("Deleted job {}", name_of(job));
                events::emit(
                    ctx,
                    cronjob,
                    CRONJOB,
                    Happening::normal("SuccessfulDelete", &message),
                );
            }
        }
    }
}
