//! Sync windows (§9.1–9.4): which windows apply to an app, which are open
//! now, and whether a sync may run.

use std::time::Duration;

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use globset::GlobBuilder;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::model::{Application, SyncWindow, parse_go_duration};

/// The message of an operation that a window holds back.
pub const SYNC_BLOCKED_BY_WINDOW: &str = "Sync operation blocked by sync window";
/// The refusal of a manual sync request.
pub const MANUAL_SYNC_BLOCKED: &str = "cannot sync: blocked by sync window";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("sync window schedule {schedule:?} is not a valid 5-field cron expression: {reason}")]
    Schedule { schedule: String, reason: String },
    #[error("sync window duration {duration:?} is invalid: {reason}")]
    Duration { duration: String, reason: String },
}

fn glob_matches(pattern: &str, value: &str) -> bool {
    GlobBuilder::new(pattern)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(value))
}

fn any_matches(patterns: &[String], values: &[&str]) -> bool {
    patterns
        .iter()
        .any(|p| values.iter().any(|v| glob_matches(p, v)))
}

/// Whether `window` applies to `app`: any configured list matches (OR), or
/// all of them (`andOperator`). A window with no lists matches nothing.
pub fn matches(window: &SyncWindow, app: &Application) -> bool {
    let dest = app.spec.destination.clone().unwrap_or_default();
    let name = app.metadata.name.as_str();
    let server = dest.server.as_deref().unwrap_or("");
    let cluster = dest.name.as_deref().unwrap_or("");
    let namespace = dest.namespace.as_deref().unwrap_or("");
    let mut checks = Vec::new();
    if !window.applications.is_empty() {
        checks.push(any_matches(&window.applications, &[name]));
    }
    if !window.clusters.is_empty() {
        checks.push(any_matches(&window.clusters, &[cluster, server]));
    }
    if !window.namespaces.is_empty() {
        checks.push(any_matches(&window.namespaces, &[namespace]));
    }
    if checks.is_empty() {
        return false;
    }
    if window.and_operator {
        checks.iter().all(|c| *c)
    } else {
        checks.iter().any(|c| *c)
    }
}

fn parse_schedule(schedule: &str) -> Result<Cron, WindowError> {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(schedule)
        .map_err(|e| WindowError::Schedule {
            schedule: schedule.to_owned(),
            reason: e.to_string(),
        })
}

fn parse_duration(duration: &str) -> Result<Duration, WindowError> {
    parse_go_duration(duration).map_err(|reason| WindowError::Duration {
        duration: duration.to_owned(),
        reason,
    })
}

/// Whether the window is open at `now`: the first fire time after
/// `now − duration` (in the window's time zone, UTC when unset or unknown)
/// is strictly before `now`.
pub fn active(window: &SyncWindow, now: Timestamp) -> Result<bool, WindowError> {
    let cron = parse_schedule(&window.schedule)?;
    let duration = parse_duration(&window.duration)?;
    let tz = window
        .time_zone
        .as_deref()
        .and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC);
    let span = SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX);
    let Ok(from) = now.checked_sub(span) else {
        return Ok(false);
    };
    let next = cron
        .find_next_occurrence(&from.to_zoned(tz), false)
        .map_err(|e| WindowError::Schedule {
            schedule: window.schedule.clone(),
            reason: e.to_string(),
        })?;
    Ok(next.timestamp() < now)
}

fn is_active(window: &SyncWindow, now: Timestamp) -> bool {
    active(window, now).unwrap_or(false)
}

/// Argo CD's `CanSync`: deny beats allow; `manualSync` lets manual syncs
/// through; `syncOverrun` lets an operation that was allowed at `op_start`
/// run on. Windows with an invalid schedule or duration never count as open.
pub fn can_sync(
    windows: &[SyncWindow],
    app: &Application,
    is_manual: bool,
    now: Timestamp,
    op_start: Option<Timestamp>,
) -> bool {
    let matching: Vec<&SyncWindow> = windows.iter().filter(|w| matches(w, app)).collect();
    if matching.is_empty() {
        return true;
    }
    let allowed_at_start =
        || op_start.is_some_and(|start| can_sync(windows, app, is_manual, start, None));
    let active_deny: Vec<&&SyncWindow> = matching
        .iter()
        .filter(|w| w.kind == "deny" && is_active(w, now))
        .collect();
    if !active_deny.is_empty() {
        if is_manual && active_deny.iter().all(|w| w.manual_sync) {
            return true;
        }
        return active_deny.iter().all(|w| w.sync_overrun) && allowed_at_start();
    }
    if matching
        .iter()
        .any(|w| w.kind == "allow" && is_active(w, now))
    {
        return true;
    }
    let inactive_allow: Vec<&&SyncWindow> = matching.iter().filter(|w| w.kind == "allow").collect();
    if inactive_allow.is_empty() {
        return true;
    }
    if is_manual && inactive_allow.iter().all(|w| w.manual_sync) {
        return true;
    }
    inactive_allow.iter().all(|w| w.sync_overrun) && allowed_at_start()
}
