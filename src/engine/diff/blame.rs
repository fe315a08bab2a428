//! Who changed a drifted field: the live managedFields entry that owns it.

use std::fmt;

use serde_json::Value;

use super::ResourceDiff;
use super::normalize::{ManagedEntry, managed_entries};
use super::path::{Ownership, ownership, scalar_text};

/// One drifted field and the writer that owns it in live.
#[derive(Debug, Clone, PartialEq)]
pub struct Blame {
    pub path: String,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    pub manager: Option<String>,
    pub operation: Option<String>,
    pub subresource: Option<String>,
    pub time: Option<String>,
}

/// For each changed field of `diff`, the managedFields entry of `live`
/// that owns it: the one listing the field itself, else one owning an
/// ancestor as a whole, else one owning fields below it; among equals, the
/// latest write.
pub fn blame(diff: &ResourceDiff, live: &Value) -> Vec<Blame> {
    let entries = managed_entries(live);
    diff.changed_paths
        .iter()
        .map(|change| {
            let owner = best_owner(&entries, &change.elements);
            Blame {
                path: change.path.clone(),
                desired: change.desired.clone(),
                live: change.live.clone(),
                manager: owner.map(|e| e.manager.clone()),
                operation: owner.map(|e| e.operation.clone()),
                subresource: owner
                    .map(|e| e.subresource.clone())
                    .filter(|s| !s.is_empty()),
                time: owner.and_then(|e| e.time.clone()),
            }
        })
        .collect()
}

fn best_owner<'a>(
    entries: &'a [ManagedEntry],
    path: &[crate::sandbox::patch::PathElement],
) -> Option<&'a ManagedEntry> {
    let ranked = entries
        .iter()
        .filter_map(|entry| ownership(&entry.fields, path).map(|how| (how, entry)));
    let mut best: Option<(Ownership, &ManagedEntry)> = None;
    for (how, entry) in ranked {
        let better = match &best {
            None => true,
            Some((best_how, best_entry)) => {
                how < *best_how || how == *best_how && entry.time > best_entry.time
            }
        };
        if better {
            best = Some((how, entry));
        }
    }
    best.map(|(_, entry)| entry)
}

fn shown(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "(absent)".into(), scalar_text)
}

/// The time of day of an RFC 3339 timestamp (`14:02:11`), or the text as given.
fn time_of_day(time: &str) -> String {
    time.parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%H:%M:%S").to_string())
        .unwrap_or_else(|_| time.to_owned())
}

impl fmt::Display for Blame {
    /// `spec.replicas 3 → 5, by kubectl (scale) at 14:02:11`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} → {}",
            self.path,
            shown(&self.desired),
            shown(&self.live)
        )?;
        let Some(manager) = &self.manager else {
            return match self.live {
                None => write!(f, ", not set in the cluster"),
                Some(_) => write!(f, ", by an unknown writer"),
            };
        };
        write!(f, ", by {manager}")?;
        if let Some(subresource) = &self.subresource {
            write!(f, " ({subresource})")?;
        }
        if let Some(time) = &self.time {
            write!(f, " at {}", time_of_day(time))?;
        }
        Ok(())
    }
}
