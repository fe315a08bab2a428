//! Ownership changes of ordinary writes (create, update, non-apply patch).

use serde_json::Value;

use super::entries::{
    Entry, UPDATE, api_version_of, format_time, read_entries, strip_server_fields,
    without_managed_fields, write_entries,
};
use crate::sandbox::patch::fieldset::{FieldSet, PathElement};
use crate::sandbox::patch::walk::{compare, zero_object};
use crate::sandbox::patch::{Gvk, schema};

/// Records in `new.metadata.managedFields` that `manager` wrote `new` over
/// `old` (`None` for a create): the fields it set or changed become its own
/// under operation `Update`, and other managers lose them.
///
/// `new` must already carry the server's defaults (they are owned by the
/// writer, as on a real server). A `status` subresource write never takes
/// ownership of `.spec`; the caller resets whatever else that subresource may
/// not change.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: jiff::Timestamp,
) {
    let gvk = Gvk::of(new);
    let shape = schema().root(&gvk);
    let subresource = subresource.unwrap_or("");
    let api_version = api_version_of(new);
    let mut entries = entries_before(old, new);

    let new_plain = without_managed_fields(new);
    let old_plain = match old {
        Some(old) => without_managed_fields(old),
        None => zero_object(&new_plain, shape),
    };
    let comparison = compare(&old_plain, &new_plain, shape);
    let mut changed = comparison.changed();
    let mut removed = comparison.removed;
    strip_server_fields(&mut changed);
    strip_server_fields(&mut removed);
    if subresource == "status" {
        let spec = PathElement::Field("spec".to_owned());
        changed.remove_subtree(std::slice::from_ref(&spec));
        removed.remove_subtree(&[spec]);
    }

    let mine = entries
        .iter()
        .position(|entry| entry.is_for(manager, UPDATE, subresource, &api_version));
    for (index, entry) in entries.iter_mut().enumerate() {
        if Some(index) != mine {
            entry.fields = entry.fields.difference(&changed).difference(&removed);
        }
    }
    let took_fields = !changed.is_empty();
    match mine {
        Some(index) => {
            let entry = &mut entries[index];
            entry.fields = entry.fields.difference(&removed).union(&changed);
            if took_fields {
                entry.time = Some(format_time(now));
            }
        }
        None if took_fields => entries.push(Entry {
            manager: manager.to_owned(),
            operation: UPDATE.to_owned(),
            api_version,
            time: Some(format_time(now)),
            subresource: subresource.to_owned(),
            fields: changed,
        }),
        None => {}
    }
    write_entries(new, entries);
}

/// The entries to start from: the stored ones, unless the writer sent
/// different managedFields of its own (how clients reset ownership).
fn entries_before(old: Option<&Value>, new: &Value) -> Vec<Entry> {
    let sent = new.pointer("/metadata/managedFields");
    let stored = old.and_then(|old| old.pointer("/metadata/managedFields"));
    match (sent, old) {
        (Some(sent), Some(_)) if Some(sent) != stored => read_entries(new),
        (Some(_), None) => read_entries(new),
        (_, Some(old)) => read_entries(old),
        (None, None) => Vec::<Entry>::new(),
    }
    .into_iter()
    .filter(|entry| entry.fields != FieldSet::new())
    .collect()
}
