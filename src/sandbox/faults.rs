//! Fault injection for tests: errors and latency per verb and kind, at a
//! rate, from a seedable random source so runs repeat.

use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::errors::ApiError;
use super::resources::Resource;

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultEffect {
    /// Answer with this HTTP status and the matching Status body.
    Error(u16),
    /// 429 TooManyRequests with `Retry-After` seconds.
    TooManyRequests { retry_after: u64 },
    /// Never answer within the client's patience: the request hangs this long
    /// and then gets a 504 Timeout.
    Timeout(Duration),
    /// Answer normally after this delay.
    Latency(Duration),
}

/// One rule: which requests, how often, with what effect.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// A verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`), or `None` for all.
    pub verb: Option<String>,
    /// A kind (`Deployment`), or `None` for all.
    pub kind: Option<String>,
    /// Probability in [0, 1].
    pub rate: f64,
    pub effect: FaultEffect,
}

/// The configured rules and the random source they draw from.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: StdRng,
}

impl Default for Faults {
    fn default() -> Self {
        Self::seeded(0)
    }
}

impl Faults {
    pub fn seeded(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The effects that fire for this request, in rule order.
    pub fn draw(&mut self, verb: &str, kind: &str) -> Vec<FaultEffect> {
        let mut fired = Vec::new();
        for rule in &self.rules {
            let applies = rule.verb.as_deref().is_none_or(|v| v == verb)
                && rule.kind.as_deref().is_none_or(|k| k == kind);
            if applies && self.rng.random_bool(rule.rate.clamp(0.0, 1.0)) {
                fired.push(rule.effect.clone());
            }
        }
        fired
    }
}

/// The Status error an injected failure answers with, for a request to
/// `resource` (when it addresses one) and object `name` (empty for a
/// collection).
pub fn error_for(
    effect: &FaultEffect,
    resource: Option<&Resource>,
    name: &str,
) -> Option<ApiError> {
    match effect {
        FaultEffect::Error(code) => Some(match (code, resource) {
            (409, Some(resource)) => ApiError::conflict(resource, name),
            (409, None) => ApiError::new(
                409,
                "Conflict",
                "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
            ),
            (500, _) => ApiError::internal("injected fault"),
            (503, _) => ApiError::new(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            (504, _) => ApiError::new(
                504,
                "Timeout",
                "the server was unable to return a response in the time allotted, but may still be processing the request",
            ),
            (other, _) => ApiError::new(*other, "InternalError", format!("injected fault {other}")),
        }),
        FaultEffect::TooManyRequests { retry_after } => {
            let mut e = ApiError::new(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            );
            e.retry_after = Some(*retry_after);
            e.details = Some(Box::new(
                serde_json::json!({"retryAfterSeconds": retry_after}),
            ));
            Some(e)
        }
        FaultEffect::Timeout(_) => error_for(&FaultEffect::Error(504), resource, name),
        FaultEffect::Latency(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let rule = FaultRule {
            verb: Some("get".into()),
            kind: None,
            rate: 0.5,
            effect: FaultEffect::Error(500),
        };
        let run = |seed| {
            let mut f = Faults::seeded(seed);
            f.add(rule.clone());
            (0..32)
                .map(|_| f.draw("get", "Pod").len())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert!(run(7).contains(&1) && run(7).contains(&0));
        let mut f = Faults::seeded(1);
        f.add(rule.clone());
        assert!(f.draw("list", "Pod").is_empty());
    }
}
