//! Desired (from Git) against live (from the cluster), the way Argo CD
//! compares them: normalization, ignoreDifferences, the legacy two-/three-way
//! diff, Secret masking for display, a deadline-bounded text diff, and blame
//! of drifted fields on the managedFields entries that wrote them.
//!
//! Call [`diff`] with the rendered desired object, the live object and the
//! app's [`IgnoreRules`]; `modified` drives the resource's sync status
//! ([`status::resource_verdict`]), `changed_paths` and [`text_diff`] are for
//! display, [`blame`] explains who changed each field.

mod blame;
mod jq;
mod mask;
mod normalize;
mod path;
mod predict;
mod quantity;
mod rules;
mod settings;
pub mod status;
mod sync;
mod text;

use serde_json::Value;

use crate::model::{group_of, kind_of, name_of, namespace_of};
use crate::sandbox::patch::{Gvk, PatchError, PathElement, schema};

pub use blame::{Blame, blame};
pub use mask::{mask_secrets, mask_secrets_with};
pub use quantity::canonical_quantity;
pub use rules::IgnoreRules;
pub use settings::{DiffConfigError, StatusFieldIgnore, SystemDiffSettings, SystemRule};
pub use sync::normalize_for_sync;
pub use text::{TextDiff, text_diff};

use normalize::{ManagedEntry, Prepared};

/// Strategy choices of the caller.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Server-side diff: `server_predicted_live` holds the object a
    /// `--dry-run=server` apply returned, used instead of the local merge.
    pub server_side: bool,
    pub server_predicted_live: Option<Value>,
}

/// One drifted field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// `spec.template.spec.containers[name=web].image`
    pub path: String,
    /// The same path as managedFields records it.
    pub elements: Vec<PathElement>,
    /// The value the sync would set (absent when it would remove it).
    pub desired: Option<Value>,
    pub live: Option<Value>,
}

/// The result of comparing one desired/live pair. `changed_paths` never
/// holds Secret values (they are masked); the object copies do, so show
/// them through [`ResourceDiff::masked`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceDiff {
    pub modified: bool,
    pub normalized_desired: Option<Value>,
    pub normalized_live: Option<Value>,
    pub predicted_live: Option<Value>,
    pub changed_paths: Vec<FieldChange>,
    /// ignoreDifferences rules that were skipped (bad pointer, jq error or timeout).
    pub warnings: Vec<String>,
    /// Annotations masked for display (`resource.sensitive.mask.annotations`).
    pub sensitive_annotations: Vec<String>,
}

impl ResourceDiff {
    /// A copy for display: Secret values and sensitive annotations masked
    /// consistently across the three objects.
    pub fn masked(&self) -> ResourceDiff {
        let mut shown = self.clone();
        let masks = mask::masks_for(
            &[
                self.normalized_desired.as_ref(),
                self.normalized_live.as_ref(),
                self.predicted_live.as_ref(),
            ],
            &self.sensitive_annotations,
        );
        for object in [
            &mut shown.normalized_desired,
            &mut shown.normalized_live,
            &mut shown.predicted_live,
        ]
        .into_iter()
        .flatten()
        {
            mask::apply_masks(object, &masks, &self.sensitive_annotations);
        }
        shown
    }
}

/// A comparison that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{object}: desired state cannot be merged into live: {source}")]
    Merge {
        object: String,
        #[source]
        source: PatchError,
    },
    #[error("{object}: {what} is not an object")]
    NotAnObject { object: String, what: &'static str },
}

/// Compares with the legacy (client-side) strategy.
pub fn diff(
    desired: Option<&Value>,
    live: Option<&Value>,
    rules: &IgnoreRules,
) -> Result<ResourceDiff, DiffError> {
    diff_with(desired, live, rules, &DiffOptions::default())
}

/// Compares with the strategy `options` select.
pub fn diff_with(
    desired: Option<&Value>,
    live: Option<&Value>,
    rules: &IgnoreRules,
    options: &DiffOptions,
) -> Result<ResourceDiff, DiffError> {
    let Some(subject) = live.or(desired) else {
        return Ok(ResourceDiff::default());
    };
    let label = describe(desired.unwrap_or(subject));
    for (object, what) in [(desired, "desired state"), (live, "live state")] {
        if object.is_some_and(|o| !o.is_object()) {
            return Err(DiffError::NotAnObject {
                object: label,
                what,
            });
        }
    }
    let mut warnings = Vec::new();
    let entries = live.map(normalize::managed_entries).unwrap_or_default();
    let aggregated = rules.ignore_aggregated_roles;
    let mut desired_side = desired.map(|d| normalize::prepare(d, aggregated).object);
    let mut live_side = live.map(|l| normalize::prepare(l, aggregated));
    let mut orig = live_side.as_mut().and_then(|l| l.last_applied.take());
    let mut live_side = live_side.map(|Prepared { object, .. }| object);
    let mut server_predicted = options
        .server_predicted_live
        .as_ref()
        .filter(|_| options.server_side)
        .map(|p| normalize::prepare(p, aggregated).object);
    if let (Some(d), Some(l)) = (&mut desired_side, &mut live_side) {
        normalize::normalize_tracking(d, l);
        normalize::strip_claim_template_defaults(d, l);
        normalize::drop_namespace(d);
        if let Some(p) = &mut server_predicted {
            normalize::normalize_tracking(d, p);
        }
    }
    if let Some(o) = &mut orig {
        normalize::drop_namespace(o);
        if let Some(d) = &desired_side {
            normalize::normalize_tracking(d, o);
        }
    }
    remove_ignored(
        rules,
        subject,
        [
            &mut desired_side,
            &mut live_side,
            &mut orig,
            &mut server_predicted,
        ],
        &mut warnings,
    );

    let mut result = ResourceDiff {
        warnings,
        sensitive_annotations: rules.sensitive_annotations.clone(),
        ..ResourceDiff::default()
    };
    match (desired_side, live_side) {
        (None, live) => result.normalized_live = live,
        (Some(desired), None) => {
            result.modified = true;
            result.predicted_live = Some(desired.clone());
            result.normalized_desired = Some(desired);
        }
        (Some(mut desired), Some(mut live)) => {
            let predict = |desired: &Value,
                           live: &Value,
                           orig: Option<&Value>,
                           server_predicted: &Option<Value>| {
                match server_predicted {
                    Some(predicted) => Ok(predicted.clone()),
                    None => predict::predict(desired, live, orig),
                }
                .map_err(|source| DiffError::Merge {
                    object: label.clone(),
                    source,
                })
            };
            let shape = schema().root(&Gvk::of(&live));
            let mut predicted = predict(&desired, &live, orig.as_ref(), &server_predicted)?;
            let mut changes = path::changed_fields(&predicted, &live, shape);
            let managers = rules.managers_for(subject);
            if !managers.is_empty() {
                let owned = owned_changes(&changes, &entries, &managers);
                if !owned.is_empty() {
                    for object in [Some(&mut desired), Some(&mut live), orig.as_mut()]
                        .into_iter()
                        .flatten()
                    {
                        owned.iter().for_each(|p| path::remove_at(object, p));
                    }
                    if let Some(p) = &mut server_predicted {
                        owned.iter().for_each(|path| path::remove_at(p, path));
                    }
                    predicted = predict(&desired, &live, orig.as_ref(), &server_predicted)?;
                    changes = path::changed_fields(&predicted, &live, shape);
                }
            }
            result.modified = predicted != live;
            result.changed_paths = changes
                .into_iter()
                .map(|change| FieldChange {
                    path: path::display_path(&change.path),
                    elements: change.path,
                    desired: change.desired,
                    live: change.live,
                })
                .collect();
            mask_changes(&mut result, &desired, &live);
            result.normalized_desired = Some(desired);
            result.normalized_live = Some(live);
            result.predicted_live = Some(predicted);
        }
    }
    Ok(result)
}

/// `apps/Deployment payments/web`
fn describe(object: &Value) -> String {
    let group = group_of(object);
    let kind = kind_of(object);
    let gk = if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{group}/{kind}")
    };
    match namespace_of(object) {
        "" => format!("{gk} {}", name_of(object)),
        namespace => format!("{gk} {namespace}/{}", name_of(object)),
    }
}

/// Removes what pointer and jq rules select from every present side.
fn remove_ignored(
    rules: &IgnoreRules,
    subject: &Value,
    sides: [&mut Option<Value>; 4],
    warnings: &mut Vec<String>,
) {
    let present: Vec<&mut Value> = sides.into_iter().flatten().collect();
    let selections = {
        let views: Vec<&Value> = present.iter().map(|v| &**v).collect();
        rules.selections(subject, &views, warnings)
    };
    for (index, target) in present.into_iter().enumerate() {
        let paths: Vec<Vec<jq::Step>> = selections
            .iter()
            .flat_map(|s| s.per_target[index].iter().cloned())
            .collect();
        rules::remove_paths(target, &paths);
    }
}

/// Paths among `changes` that a listed manager owns in live, with the
/// owned fields below a changed map or list spelled out.
fn owned_changes(
    changes: &[path::RawChange],
    entries: &[ManagedEntry],
    managers: &[String],
) -> Vec<Vec<PathElement>> {
    let mut owned = Vec::new();
    for change in changes {
        for entry in entries.iter().filter(|e| managers.contains(&e.manager)) {
            match path::ownership(&entry.fields, &change.path) {
                Some(path::Ownership::Exact | path::Ownership::Ancestor) => {
                    owned.push(change.path.clone());
                }
                Some(path::Ownership::Descendant) => {
                    if let Some(node) = entry.fields.node(&change.path) {
                        owned.extend(node.paths().into_iter().map(|below| {
                            let mut full = change.path.clone();
                            full.extend(below);
                            full
                        }));
                    }
                }
                None => {}
            }
        }
    }
    owned
}

/// Replaces Secret values and sensitive annotations in the changes with masks.
fn mask_changes(result: &mut ResourceDiff, desired: &Value, live: &Value) {
    let sensitive = &result.sensitive_annotations;
    let secret = group_of(live).is_empty() && kind_of(live) == "Secret";
    if !secret && sensitive.is_empty() {
        return;
    }
    let masks = mask::masks_for(&[Some(desired), Some(live)], sensitive);
    let field = |element: &PathElement| match element {
        PathElement::Field(name) => Some(name.clone()),
        _ => None,
    };
    for change in &mut result.changed_paths {
        let names: Vec<Option<String>> = change.elements.iter().map(field).collect();
        let names: Vec<&str> = names.iter().map(|n| n.as_deref().unwrap_or("")).collect();
        let values = [&mut change.desired, &mut change.live];
        match names.as_slice() {
            ["data"] if secret => values.into_iter().flatten().for_each(|map| {
                mask_map(map, |key, text| masks.mask(&format!("data.{key}"), text));
            }),
            ["data", key] if secret => values.into_iter().flatten().for_each(|value| {
                *value = Value::String(masks.mask(&format!("data.{key}"), &text(value)));
            }),
            ["metadata", "annotations"] => values.into_iter().flatten().for_each(|map| {
                mask_map(map, |key, text| {
                    if sensitive.iter().any(|s| s == key) {
                        masks.mask(&format!("annotation.{key}"), text)
                    } else {
                        text.to_owned()
                    }
                });
            }),
            ["metadata", "annotations", key] if sensitive.iter().any(|s| s == key) => {
                values.into_iter().flatten().for_each(|value| {
                    *value = Value::String(masks.mask(&format!("annotation.{key}"), &text(value)));
                });
            }
            [] if secret => values.into_iter().flatten().for_each(|object| {
                mask::apply_masks(object, &masks, sensitive);
            }),
            _ => {}
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn mask_map(map: &mut Value, mask: impl Fn(&str, &str) -> String) {
    if let Value::Object(map) = map {
        for (key, value) in map.iter_mut() {
            *value = Value::String(mask(key, &text(value)));
        }
    }
}

#[cfg(test)]
mod tests;
