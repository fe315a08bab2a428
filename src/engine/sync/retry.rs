//! Operation retry (§4.4): the policy, the next-attempt time and the
//! messages Argo CD writes.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::model::{RetryStrategy, parse_go_duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    pub duration: Duration,
    pub factor: u32,
    pub max_duration: Duration,
}

impl Default for Backoff {
    /// Argo CD's defaults: 5 s, factor 2, at most 3 min.
    fn default() -> Self {
        Backoff {
            duration: Duration::from_secs(5),
            factor: 2,
            max_duration: Duration::from_secs(180),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// 0 = no retries; negative = unlimited.
    pub limit: i64,
    pub backoff: Backoff,
    /// Use the latest revision on retry instead of the pinned one.
    pub refresh: bool,
}

impl RetryPolicy {
    /// What an automated sync uses when the spec sets no retry: limit 5.
    pub fn automated_default() -> Self {
        RetryPolicy {
            limit: 5,
            backoff: Backoff::default(),
            refresh: false,
        }
    }

    /// From `spec.syncPolicy.retry`; durations accept Go syntax or bare seconds.
    pub fn from_strategy(strategy: &RetryStrategy) -> Result<Self, String> {
        let defaults = Backoff::default();
        let backoff = match &strategy.backoff {
            None => defaults,
            Some(b) => Backoff {
                duration: duration_field(b.duration.as_ref(), "retry.backoff.duration")?
                    .unwrap_or(defaults.duration),
                factor: match b.factor {
                    None => defaults.factor,
                    Some(f) => u32::try_from(f).map_err(|_| {
                        format!("retry.backoff.factor: {f} is not a positive integer")
                    })?,
                },
                max_duration: duration_field(b.max_duration.as_ref(), "retry.backoff.maxDuration")?
                    .unwrap_or(defaults.max_duration),
            },
        };
        Ok(RetryPolicy {
            limit: strategy.limit.unwrap_or(0),
            backoff,
            refresh: strategy.refresh,
        })
    }

    /// Whether another attempt is allowed after `retry_count` retries.
    pub fn allows_retry(&self, retry_count: u32) -> bool {
        self.limit < 0 || i64::from(retry_count) < self.limit
    }

    /// `min(maxDuration, duration × factor^n)`.
    pub fn delay(&self, n: u32) -> Duration {
        let max = self.backoff.max_duration;
        let mut delay = self.backoff.duration;
        for _ in 0..n {
            delay = delay.saturating_mul(self.backoff.factor);
            if delay >= max {
                return max;
            }
        }
        delay.min(max)
    }
}

fn duration_field(
    value: Option<&serde_json::Value>,
    field: &str,
) -> Result<Option<Duration>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(format!("{field}: expected a duration, got {other}")),
    };
    parse_go_duration(&text)
        .map(Some)
        .map_err(|e| format!("{field}: {e}"))
}

/// `finished + min(maxDuration, duration × factor^retry_count)`.
pub fn next_retry_at(finished: Timestamp, retry_count: u32, policy: &RetryPolicy) -> Timestamp {
    let delay = SignedDuration::try_from(policy.delay(retry_count)).unwrap_or(SignedDuration::MAX);
    finished.checked_add(delay).unwrap_or(Timestamp::MAX)
}

/// `<message>. Retrying attempt #<n> at <3:04PM>.` — the time uses the count
/// before the increment, as Argo CD does.
pub fn retrying_message(
    message: &str,
    new_count: u32,
    finished: Timestamp,
    policy: &RetryPolicy,
) -> String {
    let at = next_retry_at(finished, new_count.saturating_sub(1), policy);
    let kitchen = at.to_zoned(jiff::tz::TimeZone::UTC).strftime("%-I:%M%p");
    format!("{message}. Retrying attempt #{new_count} at {kitchen}.")
}

/// ` (retried N times).` appended once retries are exhausted, when N > 0.
pub fn exhausted_message(message: &str, retry_count: u32) -> String {
    if retry_count == 0 {
        message.to_owned()
    } else {
        format!("{message} (retried {retry_count} times).")
    }
}
