//! The unified text diff shown to people: YAML of what the sync would make
//! of the object against the live object, computed under a deadline.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::ResourceDiff;

/// A unified diff and whether the deadline cut the computation short (the
/// diff is then coarser than minimal, but still correct).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDiff {
    pub unified: String,
    pub cut_short: bool,
}

/// Unified diff of the predicted live (or the desired object when there is
/// no live one) against the live object, with `context` lines around each
/// change. Secrets are masked.
pub fn text_diff(diff: &ResourceDiff, deadline: Duration, context: usize) -> TextDiff {
    let shown = diff.masked();
    let left = shown
        .predicted_live
        .as_ref()
        .or(shown.normalized_desired.as_ref())
        .map(yaml)
        .unwrap_or_default();
    let right = shown.normalized_live.as_ref().map(yaml).unwrap_or_default();
    let started = Instant::now();
    // A deadline too far to represent is no deadline.
    let limit = started.checked_add(deadline);
    let mut config = similar::TextDiff::configure();
    if let Some(limit) = limit {
        config.deadline(limit);
    }
    let lines = config.diff_lines(left.as_str(), right.as_str());
    let cut_short = limit.is_some_and(reached);
    let unified = lines
        .unified_diff()
        .context_radius(context)
        .header("desired (Git)", "live (cluster)")
        .to_string();
    TextDiff { unified, cut_short }
}

/// True once `limit` has passed: the diff algorithm stops refining at its
/// deadline, so a result delivered after it may be approximate.
fn reached(limit: Instant) -> bool {
    Instant::now() >= limit
}

fn yaml(value: &Value) -> String {
    // Serializing a JSON value to YAML cannot fail: every key is a string.
    serde_yaml::to_string(&sorted(value)).unwrap_or_default()
}

/// Keys in alphabetical order, so both sides print alike.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
