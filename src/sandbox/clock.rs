//! The sandbox's notion of now: the wall clock, or a clock tests step by hand.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// Where timestamps come from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    Real,
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: Timestamp) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Self::Real => Timestamp::now(),
            Self::Manual(t) => *t.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Moves a manual clock forward; the real clock ignores this.
    pub fn advance(&self, by: SignedDuration) {
        if let Self::Manual(t) = self {
            let mut now = t.lock().unwrap_or_else(PoisonError::into_inner);
            *now = now.saturating_add(by).unwrap_or(*now);
        }
    }
}

/// RFC 3339 with second precision, as Kubernetes writes timestamps.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_stepped() {
        let start: Timestamp = "2026-01-02T03:04:05Z".parse().expect("timestamp");
        let clock = Clock::manual(start);
        assert_eq!(format_time(clock.now()), "2026-01-02T03:04:05Z");
        clock.advance(SignedDuration::from_secs(61));
        assert_eq!(format_time(clock.now()), "2026-01-02T03:05:06Z");
    }
}
