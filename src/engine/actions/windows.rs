//! The sync-window gate of a manual sync (§8.6, §9.4), with a refusal that
//! says which window holds the sync back and until when.

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::SyncRefused;
use crate::engine::policy::{active, can_sync, matches};
use crate::model::{AppProject, Application, SyncWindow, parse_go_duration};

/// Refuses a manual sync of `app` at `now` when the project's windows
/// block it: an open deny window without `manualSync`, or allow windows
/// (none with `manualSync`) that are all closed.
pub fn check_windows(
    app: &Application,
    project: &AppProject,
    now: Timestamp,
) -> Result<(), SyncRefused> {
    let windows = &project.spec.sync_windows;
    if can_sync(windows, app, true, now, None) {
        return Ok(());
    }
    let matching: Vec<&SyncWindow> = windows.iter().filter(|w| matches(w, app)).collect();
    let open_deny = matching
        .iter()
        .find(|w| w.kind == "deny" && !w.manual_sync && active(w, now).unwrap_or(false));
    let (window, until) = match open_deny {
        Some(window) => (*window, closes_at(window, now)),
        None => {
            let closed_allow = matching
                .iter()
                .filter(|w| w.kind == "allow")
                .map(|w| (*w, next_start(w, now)))
                .min_by_key(|(_, start)| start.unwrap_or(Timestamp::MAX));
            let Some((window, opens)) = closed_allow else {
                return Ok(());
            };
            return Err(SyncRefused::OutsideAllowWindows {
                app: app.metadata.name.clone(),
                window: describe(window),
                opens: opens.map_or_else(|| "never".into(), |t| t.to_string()),
            });
        }
    };
    Err(SyncRefused::DenyWindow {
        app: app.metadata.name.clone(),
        window: describe(window),
        until: until.map_or_else(|| "unknown".into(), |t| t.to_string()),
    })
}

/// `deny '0 22 * * *' for 1h (release freeze)`.
fn describe(window: &SyncWindow) -> String {
    let mut text = format!(
        "{} '{}' for {}",
        window.kind, window.schedule, window.duration
    );
    if let Some(zone) = &window.time_zone {
        text.push_str(&format!(" {zone}"));
    }
    if let Some(description) = window.description.as_deref().filter(|d| !d.is_empty()) {
        text.push_str(&format!(" ({description})"));
    }
    text
}

fn schedule(window: &SyncWindow) -> Option<(Cron, SignedDuration, TimeZone)> {
    let cron = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(&window.schedule)
        .ok()?;
    let duration = SignedDuration::try_from(parse_go_duration(&window.duration).ok()?).ok()?;
    let zone = window
        .time_zone
        .as_deref()
        .and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC);
    Some((cron, duration, zone))
}

/// When the open window that started last before `now` closes.
fn closes_at(window: &SyncWindow, now: Timestamp) -> Option<Timestamp> {
    let (cron, duration, zone) = schedule(window)?;
    let from = now.checked_sub(duration).ok()?;
    let start = cron
        .find_next_occurrence(&from.to_zoned(zone), false)
        .ok()?;
    start.timestamp().checked_add(duration).ok()
}

/// When the window next opens after `now`.
fn next_start(window: &SyncWindow, now: Timestamp) -> Option<Timestamp> {
    let (cron, _, zone) = schedule(window)?;
    let next = cron.find_next_occurrence(&now.to_zoned(zone), false).ok()?;
    Some(next.timestamp())
}
