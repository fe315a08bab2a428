//! Graceful deletion of Pods, as the API server's pod strategy does it: a
//! bound pod that still runs is only marked (`deletionTimestamp` = now +
//! grace, `deletionGracePeriodSeconds` = grace) and stays until its kubelet
//! confirms with a grace period of 0. Unbound and finished pods go at once.

use serde_json::{Value, json};

use super::meta::{finalizers, is_deleting, meta_mut, set_finalizers};
use crate::sandbox::clock::format_time;

/// The pod's grace period when `terminationGracePeriodSeconds` is unset.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// The grace period a DELETE gives `pod` when it asks for `asked`; 0
/// deletes it at once.
pub fn grace_period(pod: &Value, asked: Option<i64>) -> i64 {
    let unbound = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    let finished = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if unbound || finished {
        return 0;
    }
    asked
        .or_else(|| {
            pod.pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
        })
        .unwrap_or(DEFAULT_GRACE_SECONDS)
        .max(0)
}

/// `live` marked for deletion in `grace` seconds (with `extra_finalizer`
/// for a foreground or orphan deletion); `None` when a grace as short is
/// already running.
pub fn marked(
    live: &Value,
    grace: i64,
    extra_finalizer: Option<&str>,
    now: jiff::Timestamp,
) -> Option<Value> {
    let running = live
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64);
    if is_deleting(live) && running.is_some_and(|running| running <= grace) {
        return None;
    }
    let mut marked = live.clone();
    let until = now
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .unwrap_or(now);
    if let Some(m) = meta_mut(&mut marked) {
        m.insert("deletionTimestamp".into(), json!(format_time(until)));
        m.insert("deletionGracePeriodSeconds".into(), json!(grace));
    }
    if let Some(finalizer) = extra_finalizer {
        let mut list = finalizers(&marked);
        if !list.iter().any(|f| f == finalizer) {
            list.push(finalizer.to_owned());
        }
        set_finalizers(&mut marked, list);
    }
    super::meta::canonicalize(&mut marked);
    Some(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(node: &str, phase: &str, grace: Option<i64>) -> Value {
        let mut pod = json!({"spec": {"nodeName": node}, "status": {"phase": phase}});
        if let Some(grace) = grace {
            pod["spec"]["terminationGracePeriodSeconds"] = json!(grace);
        }
        pod
    }

    #[test]
    fn a_mark_sets_the_deadline_and_only_a_shorter_grace_moves_it() {
        let now: jiff::Timestamp = "2026-12-03T10:00:00Z".parse().expect("time");
        let live = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "node-1"}});
        let first = marked(&live, 30, None, now).expect("marked");
        assert_eq!(
            first["metadata"]["deletionTimestamp"],
            "2026-12-03T10:00:30Z"
        );
        assert_eq!(first["metadata"]["deletionGracePeriodSeconds"], 30);
        assert_eq!(marked(&first, 30, None, now), None, "the same grace again");
        let shorter = marked(&first, 5, Some("foregroundDeletion"), now).expect("shortened");
        assert_eq!(
            shorter["metadata"]["deletionTimestamp"],
            "2026-12-03T10:00:05Z"
        );
        assert_eq!(
            shorter["metadata"]["finalizers"],
            json!(["foregroundDeletion"])
        );
    }

    #[test]
    fn running_bound_pods_get_their_grace_and_others_go_at_once() {
        assert_eq!(grace_period(&pod("node-1", "Running", None), None), 30);
        assert_eq!(grace_period(&pod("node-1", "Running", Some(5)), None), 5);
        assert_eq!(grace_period(&pod("node-1", "Running", Some(5)), Some(0)), 0);
        assert_eq!(
            grace_period(&pod("node-1", "Running", Some(5)), Some(60)),
            60
        );
        assert_eq!(grace_period(&pod("", "Pending", Some(5)), None), 0);
        assert_eq!(grace_period(&pod("node-1", "Succeeded", None), None), 0);
        assert_eq!(grace_period(&pod("node-1", "Failed", None), None), 0);
    }
}
