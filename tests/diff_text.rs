//! The unified text diff: the seed's payments output, Secret masking, and
//! the deadline that bounds huge rewrites.

use std::time::Duration;

use plumb::engine::diff::{IgnoreRules, diff, text_diff};
use serde_json::{Map, Value, json};

fn deployment(replicas: u32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "payments", "namespace": "payments"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "payments"}},
            "template": {"metadata": {"labels": {"app": "payments"}},
                "spec": {"containers": [{"name": "payments", "image": "payments:1"}]}}}})
}

#[test]
fn payments_scale_shows_only_replicas() {
    let mut live = deployment(5);
    live["status"] = json!({"replicas": 5});
    let result = diff(Some(&deployment(3)), Some(&live), &IgnoreRules::default()).expect("diff");
    let text = text_diff(&result, Duration::from_secs(60), 1);
    assert!(!text.cut_short);
    let lines: Vec<&str> = text.unified.lines().collect();
    assert_eq!(lines[0], "--- desired (Git)");
    assert_eq!(lines[1], "+++ live (cluster)");
    assert!(lines[2].starts_with("@@ "), "{}", text.unified);
    let removed: Vec<&&str> = lines[2..].iter().filter(|l| l.starts_with('-')).collect();
    let added: Vec<&&str> = lines[2..].iter().filter(|l| l.starts_with('+')).collect();
    assert_eq!(removed, [&"-  replicas: 3"], "{}", text.unified);
    assert_eq!(added, [&"+  replicas: 5"], "{}", text.unified);
}

#[test]
fn no_drift_gives_an_empty_diff() {
    let result = diff(
        Some(&deployment(3)),
        Some(&deployment(3)),
        &IgnoreRules::default(),
    )
    .expect("diff");
    let text = text_diff(&result, Duration::from_secs(60), 3);
    assert!(text.unified.is_empty(), "{}", text.unified);
}

#[test]
fn a_new_object_shows_only_on_the_desired_side() {
    let result = diff(Some(&deployment(3)), None, &IgnoreRules::default()).expect("diff");
    let text = text_diff(&result, Duration::from_secs(60), 3);
    assert!(text.unified.contains("-  replicas: 3"), "{}", text.unified);
    assert!(!text.unified.lines().skip(2).any(|l| l.starts_with('+')));
}

fn config_map(prefix: &str, keys: usize) -> Value {
    let data: Map<String, Value> = (0..keys)
        .map(|i| (format!("key-{i:06}"), Value::from(format!("{prefix}-{i}"))))
        .collect();
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "big", "namespace": "default"}, "data": data})
}

#[test]
fn a_huge_rewrite_past_its_deadline_is_flagged_and_still_complete() {
    let keys = 20_000;
    let result = diff(
        Some(&config_map("new", keys)),
        Some(&config_map("old", keys)),
        &IgnoreRules::default(),
    )
    .expect("diff");
    assert_eq!(result.changed_paths.len(), keys);
    let text = text_diff(&result, Duration::ZERO, 3);
    assert!(text.cut_short, "a deadline already passed must be reported");
    let removed = text
        .unified
        .lines()
        .filter(|l| l.starts_with("-  key-"))
        .count();
    let added = text
        .unified
        .lines()
        .filter(|l| l.starts_with("+  key-"))
        .count();
    assert_eq!((removed, added), (keys, keys));
}

#[test]
fn secrets_are_masked_in_the_text_diff() {
    let secret = |value: &str| {
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "default"}, "data": {"password": value}})
    };
    let result = diff(
        Some(&secret("bmV3LXNlY3JldA==")),
        Some(&secret("b2xkLXNlY3JldA==")),
        &IgnoreRules::default(),
    )
    .expect("diff");
    assert!(result.modified);
    let text = text_diff(&result, Duration::from_secs(60), 3).unified;
    assert!(
        text.contains("-  password: '++++++++'") || text.contains("-  password: ++++++++"),
        "{text}"
    );
    assert!(text.contains("++++++++++++"), "{text}");
    assert!(
        !text.contains("bmV3LXNlY3JldA==") && !text.contains("b2xkLXNlY3JldA=="),
        "{text}"
    );
}
