//! The loop's timing and change detection as plain functions: jittered
//! polls, debounced live changes, and whether a comparison changed.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;

use crate::engine::compare::AppComparison;

/// `base` varied by up to `fraction` either way; `unit` in [0, 1) picks
/// where (0 → the shortest, towards 1 → the longest).
pub fn jittered(base: Duration, fraction: f64, unit: f64) -> Duration {
    let fraction = fraction.clamp(0.0, 1.0);
    let factor = 1.0 - fraction + 2.0 * fraction * unit.clamp(0.0, 1.0);
    base.mul_f64(factor)
}

/// Gathers a burst of changes into one: the first change opens a window,
/// later ones within it do not extend it, and the window fires once.
#[derive(Debug, Clone)]
pub struct Debounce {
    window: Duration,
    due: Option<Instant>,
}

impl Debounce {
    pub fn new(window: Duration) -> Self {
        Debounce { window, due: None }
    }

    /// A change arrived at `now`.
    pub fn poke(&mut self, now: Instant) {
        self.due.get_or_insert(now + self.window);
    }

    /// When the gathered changes should be handled, if any are pending.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// True (once) when the window has closed at `now`.
    pub fn fire(&mut self, now: Instant) -> bool {
        match self.due {
            Some(due) if due <= now => {
                self.due = None;
                true
            }
            _ => false,
        }
    }
}

/// A digest of what a comparison shows (statuses, health, conditions,
/// fields, tree), so an unchanged comparison publishes nothing.
pub fn fingerprint(comparison: &AppComparison) -> u64 {
    let mut hasher = DefaultHasher::new();
    match serde_json::to_vec(comparison) {
        Ok(bytes) => bytes.hash(&mut hasher),
        Err(_) => comparison.app.hash(&mut hasher),
    }
    for resource in &comparison.resources {
        resource.changed_paths.hash(&mut hasher);
    }
    hasher.finish()
}

/// How long from `now` until `at` (zero once it has passed).
pub fn wait_until(now: Timestamp, at: Timestamp) -> Duration {
    if at <= now {
        return Duration::ZERO;
    }
    now.duration_until(at).unsigned_abs()
}

/// The earliest of optional deadlines.
pub fn earliest(deadlines: impl IntoIterator<Item = Option<Instant>>) -> Option<Instant> {
    deadlines.into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compare::SyncStatus;
    use crate::engine::health::Health;

    #[test]
    fn jitter_stays_within_the_fraction_either_way() {
        let base = Duration::from_secs(180);
        assert_eq!(jittered(base, 0.1, 0.0), Duration::from_secs(162));
        assert_eq!(jittered(base, 0.1, 0.5), base);
        let high = jittered(base, 0.1, 0.999_999);
        assert!(high > Duration::from_secs(197) && high <= Duration::from_secs(198));
        assert_eq!(jittered(base, 0.0, 0.9), base);
        assert_eq!(
            jittered(base, 0.1, 7.0),
            Duration::from_secs(198),
            "unit clamped"
        );
    }

    #[test]
    fn debounce_gathers_a_burst_and_fires_once() {
        let start = Instant::now();
        let mut debounce = Debounce::new(Duration::from_millis(250));
        assert_eq!(debounce.due(), None);
        assert!(!debounce.fire(start));
        debounce.poke(start);
        debounce.poke(start + Duration::from_millis(200));
        assert_eq!(debounce.due(), Some(start + Duration::from_millis(250)));
        assert!(!debounce.fire(start + Duration::from_millis(249)));
        assert!(debounce.fire(start + Duration::from_millis(250)));
        assert!(!debounce.fire(start + Duration::from_millis(300)), "once");
        debounce.poke(start + Duration::from_secs(1));
        assert_eq!(debounce.due(), Some(start + Duration::from_millis(1250)));
    }

    fn comparison(sync: SyncStatus) -> AppComparison {
        AppComparison {
            app: "payments".into(),
            sync,
            health: Health::healthy(),
            revisions: vec!["abc".into()],
            conditions: Vec::new(),
            resources: Vec::new(),
            orphaned: Vec::new(),
            tree: Vec::new(),
            namespace_live: false,
            pending_hooks: Vec::new(),
        }
    }

    #[test]
    fn fingerprints_change_only_with_what_the_comparison_shows() {
        let synced = comparison(SyncStatus::Synced);
        assert_eq!(fingerprint(&synced), fingerprint(&synced.clone()));
        assert_ne!(
            fingerprint(&synced),
            fingerprint(&comparison(SyncStatus::OutOfSync))
        );
        let mut moved = synced.clone();
        moved.revisions = vec!["def".into()];
        assert_ne!(fingerprint(&synced), fingerprint(&moved));
    }

    #[test]
    fn a_passed_deadline_is_due_at_once() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let later = Timestamp::from_second(1_700_000_002).unwrap();
        assert_eq!(wait_until(now, later), Duration::from_secs(2));
        assert_eq!(wait_until(later, now), Duration::ZERO);
        assert_eq!(wait_until(now, now), Duration::ZERO);
    }

    #[test]
    fn earliest_skips_missing_deadlines() {
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        assert_eq!(earliest([None, Some(later), Some(now)]), Some(now));
        assert_eq!(earliest([None, None]), None);
    }
}
