//! Sync windows (§9.1–9.4, T25).

use jiff::Timestamp;
use plumb::engine::policy::{
    MANUAL_SYNC_BLOCKED, SYNC_BLOCKED_BY_WINDOW, WindowError, active, can_sync, matches,
};
use plumb::model::{Application, SyncWindow};
use serde_json::json;

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn app() -> Application {
    serde_json::from_value(json!({
        "metadata": {"name": "shop"},
        "spec": {"destination": {"server": "https://prod.example.com", "name": "prod", "namespace": "shop"}}
    }))
    .expect("application")
}

fn window(kind: &str, schedule: &str, duration: &str) -> SyncWindow {
    SyncWindow {
        kind: kind.into(),
        schedule: schedule.into(),
        duration: duration.into(),
        applications: vec!["*".into()],
        ..Default::default()
    }
}

#[test]
fn t25_nightly_deny_window() {
    let deny = window("deny", "0 22 * * *", "1h");
    let inside = at("2026-11-19T22:30:00Z");
    let outside = at("2026-11-19T23:30:00Z");
    assert_eq!(active(&deny, inside), Ok(true));
    assert!(
        !can_sync(std::slice::from_ref(&deny), &app(), false, inside, None),
        "auto-sync blocked"
    );
    assert!(
        !can_sync(std::slice::from_ref(&deny), &app(), true, inside, None),
        "manual sync blocked"
    );
    let manual_ok = SyncWindow {
        manual_sync: true,
        ..deny.clone()
    };
    assert!(can_sync(
        std::slice::from_ref(&manual_ok),
        &app(),
        true,
        inside,
        None
    ));
    assert!(!can_sync(
        std::slice::from_ref(&manual_ok),
        &app(),
        false,
        inside,
        None
    ));
    assert!(can_sync(&[deny], &app(), false, outside, None));
}

#[test]
fn t25_business_hours_allow_window_on_a_saturday() {
    let allow = window("allow", "0 9 * * 1-5", "8h");
    let saturday = at("2026-11-21T10:00:00Z");
    assert_eq!(
        saturday.to_zoned(jiff::tz::TimeZone::UTC).weekday(),
        jiff::civil::Weekday::Saturday
    );
    assert!(!can_sync(
        std::slice::from_ref(&allow),
        &app(),
        false,
        saturday,
        None
    ));
    assert!(!can_sync(
        std::slice::from_ref(&allow),
        &app(),
        true,
        saturday,
        None
    ));
    let manual_ok = SyncWindow {
        manual_sync: true,
        ..allow.clone()
    };
    assert!(can_sync(&[manual_ok], &app(), true, saturday, None));
    assert!(
        can_sync(&[allow], &app(), false, at("2026-11-20T16:59:00Z"), None),
        "Friday afternoon"
    );
}

#[test]
fn deny_wins_over_allow() {
    let windows = [
        window("allow", "0 0 * * *", "24h"),
        window("deny", "0 22 * * *", "1h"),
    ];
    assert!(!can_sync(
        &windows,
        &app(),
        false,
        at("2026-11-19T22:30:00Z"),
        None
    ));
    assert!(can_sync(
        &windows,
        &app(),
        false,
        at("2026-11-19T12:00:00Z"),
        None
    ));
}

#[test]
fn sync_overrun_lets_a_running_operation_finish() {
    let deny = SyncWindow {
        sync_overrun: true,
        ..window("deny", "0 22 * * *", "1h")
    };
    let now = at("2026-11-19T22:30:00Z");
    assert!(can_sync(
        std::slice::from_ref(&deny),
        &app(),
        false,
        now,
        Some(at("2026-11-19T21:50:00Z"))
    ));
    assert!(!can_sync(
        std::slice::from_ref(&deny),
        &app(),
        false,
        now,
        Some(at("2026-11-19T22:10:00Z"))
    ));
    assert!(!can_sync(&[deny], &app(), false, now, None));
}

#[test]
fn matching_uses_or_unless_and_operator() {
    let mut w = window("deny", "0 22 * * *", "1h");
    w.applications = vec!["other".into()];
    w.namespaces = vec!["sh*".into()];
    assert!(matches(&w, &app()), "namespace matches in OR mode");
    w.and_operator = true;
    assert!(
        !matches(&w, &app()),
        "application does not match in AND mode"
    );
    w.applications = vec!["sh?p".into()];
    assert!(matches(&w, &app()));
    let clusters = SyncWindow {
        clusters: vec!["prod".into()],
        applications: vec![],
        ..window("deny", "* * * * *", "1h")
    };
    assert!(matches(&clusters, &app()), "cluster name");
    let by_server = SyncWindow {
        clusters: vec!["https://prod.*".into()],
        ..clusters.clone()
    };
    assert!(matches(&by_server, &app()), "cluster server");
    let empty = SyncWindow {
        applications: vec![],
        ..window("deny", "* * * * *", "1h")
    };
    assert!(!matches(&empty, &app()), "no lists never match");
    assert!(can_sync(
        &[empty],
        &app(),
        false,
        at("2026-11-19T22:30:00Z"),
        None
    ));
}

#[test]
fn time_zones_shift_the_window() {
    let berlin = SyncWindow {
        time_zone: Some("Europe/Berlin".into()),
        ..window("deny", "0 22 * * *", "1h")
    };
    assert_eq!(
        active(&berlin, at("2026-11-19T21:30:00Z")),
        Ok(true),
        "22:30 in Berlin (UTC+1)"
    );
    assert_eq!(active(&berlin, at("2026-11-19T22:30:00Z")), Ok(false));
    let bogus = SyncWindow {
        time_zone: Some("Mars/Olympus".into()),
        ..berlin
    };
    assert_eq!(
        active(&bogus, at("2026-11-19T22:30:00Z")),
        Ok(true),
        "unknown zone falls back to UTC"
    );
}

#[test]
fn invalid_windows_are_reported() {
    let bad = window("deny", "every night", "1h");
    assert!(matches!(
        active(&bad, at("2026-11-19T22:30:00Z")),
        Err(WindowError::Schedule { .. })
    ));
    let six_fields = window("deny", "0 0 22 * * *", "1h");
    assert!(active(&six_fields, at("2026-11-19T22:30:00Z")).is_err());
    let bad_duration = window("deny", "0 22 * * *", "an hour");
    let err = active(&bad_duration, at("2026-11-19T22:30:00Z")).expect_err("bad duration");
    assert!(
        err.to_string()
            .starts_with("sync window duration \"an hour\" is invalid"),
        "{err}"
    );
}

#[test]
fn messages_are_argo_cd_s() {
    assert_eq!(
        SYNC_BLOCKED_BY_WINDOW,
        "Sync operation blocked by sync window"
    );
    assert_eq!(MANUAL_SYNC_BLOCKED, "cannot sync: blocked by sync window");
}
