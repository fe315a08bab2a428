//! Retry timing and messages (§4.4, T24's NextRetryAt).

mod sync_support;

use std::time::Duration;

use plumb::engine::sync::{
    Backoff, Effect, OperationPhase, Resource, RetryPolicy, exhausted_message, next_retry_at,
    retrying_message,
};
use plumb::model::{ResourceKey, RetryStrategy};
use sync_support::*;

#[test]
fn next_retry_at_with_default_backoff() {
    let policy = RetryPolicy::automated_default();
    let t0 = ts(1_700_000_000);
    let gap = |n| next_retry_at(t0, n, &policy).as_second() - t0.as_second();
    assert_eq!(
        [gap(0), gap(1), gap(2), gap(3), gap(4), gap(5)],
        [5, 10, 20, 40, 80, 160]
    );
    assert_eq!(gap(6), 180, "capped at maxDuration 3m");
    assert_eq!(gap(60), 180);
}

#[test]
fn strategy_durations_accept_go_syntax_and_bare_seconds() {
    let strategy: RetryStrategy = serde_json::from_value(serde_json::json!({
        "limit": 3,
        "backoff": {"duration": "2m", "factor": 3, "maxDuration": 600}
    }))
    .expect("strategy");
    let policy = RetryPolicy::from_strategy(&strategy).expect("valid");
    assert_eq!(policy.limit, 3);
    assert_eq!(
        policy.backoff,
        Backoff {
            duration: Duration::from_secs(120),
            factor: 3,
            max_duration: Duration::from_secs(600)
        }
    );
    let bad: RetryStrategy =
        serde_json::from_value(serde_json::json!({"backoff": {"duration": "soon"}}))
            .expect("strategy");
    let err = RetryPolicy::from_strategy(&bad).expect_err("invalid duration");
    assert!(err.starts_with("retry.backoff.duration: "), "{err}");
    let unset = RetryPolicy::from_strategy(&RetryStrategy::default()).expect("valid");
    assert_eq!(unset.limit, 0);
    assert!(!unset.allows_retry(0));
    let unlimited = RetryPolicy { limit: -1, ..unset };
    assert!(unlimited.allows_retry(1000));
}

#[test]
fn retry_messages() {
    let policy = RetryPolicy::automated_default();
    // 2023-11-14T22:13:20Z + 5 s (the pre-increment count) → 10:13PM.
    assert_eq!(
        retrying_message("boom", 1, ts(1_700_000_000), &policy),
        "boom. Retrying attempt #1 at 10:13PM."
    );
    assert_eq!(exhausted_message("boom", 0), "boom");
    assert_eq!(exhausted_message("boom", 2), "boom (retried 2 times).");
}

#[test]
fn a_failing_operation_retries_then_gives_up() {
    let mut req = request();
    req.retry = Some(RetryPolicy {
        limit: 2,
        ..RetryPolicy::automated_default()
    });
    let bad = cm("bad", 0);
    let mut sim = Sim::new();
    sim.fail_apply.insert(ResourceKey::of(&bad), "boom".into());
    let mut op = start(vec![Resource::desired(bad)], req);
    sim.step(&mut op);
    sim.step(&mut op);
    sim.step(&mut op);
    assert_eq!(op.phase(), OperationPhase::Running);
    assert_eq!(op.retry_count, 1);
    assert!(op.waiting_for_retry());
    assert_eq!(
        op.message(),
        "one or more objects failed to apply, reason: boom. Retrying attempt #1 at 10:13PM."
    );
    // The gate uses the incremented count: 10 s.
    assert_eq!(op.step(&sim.observe()), [Effect::Wait { seconds: 10 }]);
    sim.now += 10;
    sim.step(&mut op);
    assert_eq!(op.message(), "Retrying operation. Attempt #1");
    sim.run(&mut op, 20);
    assert!(op.is_done());
    assert_eq!(op.phase(), OperationPhase::Failed);
    assert_eq!(op.retry_count, 2);
    assert_eq!(
        op.message(),
        "one or more objects failed to apply, reason: boom (retried 2 times)."
    );
    assert_eq!(
        sim.log
            .iter()
            .filter(|l| *l == "apply ConfigMap/bad")
            .count(),
        3
    );
}
