//! Server-side apply: merge the applied configuration into the live object,
//! drop what this manager stopped applying, and settle ownership.

use serde_json::Value;

use super::conflict::{ApplyConflict, Conflict};
use super::entries::{
    APPLY, Entry, api_version_of, format_time, read_entries, strip_server_fields,
    without_managed_fields, write_entries,
};
use crate::sandbox::patch::fieldset::{FieldSet, PathElement, path_string};
use crate::sandbox::patch::walk::{apply_merge, compare, fields_set_by, remove_path, zero_object};
use crate::sandbox::patch::{Gvk, schema};

/// Applies `applied` for `manager` and returns the new full object with its
/// managedFields updated. Defaults and validation are the caller's job.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: jiff::Timestamp,
    gvk: &Gvk,
) -> Result<Value, ApplyConflict> {
    let shape = schema().root(gvk);
    let mut entries = live.map(read_entries).unwrap_or_default();
    let live_plain = live.map(without_managed_fields);
    let applied_plain = without_managed_fields(applied);
    let api_version = api_version_of(applied);

    let mut merged = apply_merge(live_plain.as_ref(), &applied_plain, shape);
    let mut applied_set = fields_set_by(&applied_plain, shape);
    strip_server_fields(&mut applied_set);

    let mine = entries
        .iter()
        .position(|entry| entry.is_for(manager, APPLY, "", &api_version));
    let previously_applied = mine
        .map(|index| entries[index].fields.clone())
        .unwrap_or_default();
    let still_owned = entries
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != mine)
        .fold(applied_set.clone(), |owned, (_, entry)| {
            owned.union(&entry.fields)
        });
    for path in previously_applied.difference(&still_owned).paths() {
        // A list element nobody owns goes whole; a field someone still owns
        // something below stays, and its unowned parts go one by one.
        let is_element = matches!(
            path.last(),
            Some(PathElement::Key(_) | PathElement::Value(_) | PathElement::Index(_))
        );
        if is_element || still_owned.node(&path).is_none() {
            remove_path(&mut merged, &path);
        }
    }

    let before = live_plain.unwrap_or_else(|| zero_object(&merged, shape));
    let comparison = compare(&before, &merged, shape);
    let mut changed = comparison.changed();
    strip_server_fields(&mut changed);

    let mut conflicts = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if Some(index) == mine {
            continue;
        }
        for path in entry.fields.intersection(&changed).paths() {
            conflicts.push(Conflict {
                manager: entry.manager.clone(),
                operation: entry.operation.clone(),
                subresource: entry.subresource.clone(),
                api_version: entry.api_version.clone(),
                field: path_string(&path),
            });
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(ApplyConflict { conflicts });
    }

    for (index, entry) in entries.iter_mut().enumerate() {
        if Some(index) != mine {
            entry.fields = entry
                .fields
                .difference(&changed)
                .difference(&comparison.removed);
        }
    }
    let object_changed = before != merged;
    record_applier(
        &mut entries,
        mine,
        manager,
        api_version,
        applied_set,
        object_changed,
        now,
    );
    write_entries(&mut merged, entries);
    Ok(merged)
}

fn record_applier(
    entries: &mut Vec<Entry>,
    mine: Option<usize>,
    manager: &str,
    api_version: String,
    fields: FieldSet,
    object_changed: bool,
    now: jiff::Timestamp,
) {
    match mine {
        Some(index) => {
            let entry = &mut entries[index];
            if object_changed || entry.fields != fields || entry.time.is_none() {
                entry.time = Some(format_time(now));
            }
            entry.fields = fields;
            entry.api_version = api_version;
        }
        None => entries.push(Entry {
            manager: manager.to_owned(),
            operation: APPLY.to_owned(),
            api_version,
            time: Some(format_time(now)),
            subresource: String::new(),
            fields,
        }),
    }
}
