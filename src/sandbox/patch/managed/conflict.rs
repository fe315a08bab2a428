//! The 409 an apply gets when it would change fields other managers own.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One field another manager owns and the apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub manager: String,
    pub operation: String,
    /// Empty for the main resource.
    pub subresource: String,
    pub api_version: String,
    /// The field path as the server prints it, e.g. `.spec.replicas`.
    pub field: String,
}

impl Conflict {
    /// `"kubectl" with subresource "scale" using apps/v1`, as the server names a manager.
    fn manager_description(&self) -> String {
        let mut text = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            text.push_str(&format!(" with subresource {:?}", self.subresource));
        }
        if self.operation == "Update" {
            text.push_str(&format!(" using {}", self.api_version));
        }
        text
    }
}

/// A refused server-side apply; render it with [`ApplyConflict::status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ApplyConflict {
    pub conflicts: Vec<Conflict>,
}

impl ApplyConflict {
    pub fn code(&self) -> u16 {
        409
    }

    pub fn reason(&self) -> &'static str {
        "Conflict"
    }

    /// The Status message, worded like the server's.
    pub fn message(&self) -> String {
        if let [only] = self.conflicts.as_slice() {
            return format!(
                "Apply failed with 1 conflict: conflict with {}: {}",
                only.manager_description(),
                only.field
            );
        }
        let mut by_manager: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for conflict in &self.conflicts {
            by_manager
                .entry(conflict.manager_description())
                .or_default()
                .push(&conflict.field);
        }
        let mut lines = Vec::new();
        for (manager, fields) in by_manager {
            lines.push(format!("conflicts with {manager}:"));
            lines.extend(fields.iter().map(|field| format!("- {field}")));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            self.conflicts.len(),
            lines.join("\n")
        )
    }

    /// The complete Status object with one `FieldManagerConflict` cause per field.
    pub fn status(&self) -> Value {
        let causes: Vec<Value> = self
            .conflicts
            .iter()
            .map(|conflict| {
                json!({
                    "reason": "FieldManagerConflict",
                    "message": format!("conflict with {}", conflict.manager_description()),
                    "field": conflict.field,
                })
            })
            .collect();
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message(),
            "reason": self.reason(),
            "details": {"causes": causes},
            "code": self.code(),
        })
    }
}
