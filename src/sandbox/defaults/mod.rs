//! Server-side defaults per kind, applied on every write as the real API
//! server does (so a round trip never shows a diff for defaulted fields).

pub mod fill;
mod kinds;
pub mod pod;

use serde_json::{Map, Value};

pub use kinds::{Allocator, initial_status};

/// Sets `key` when it is absent, null or an empty string (Go's defaulters
/// treat a zero string as unset).
pub fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    let unset = match map.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    };
    if unset {
        map.insert(key.to_owned(), value);
    }
}

/// The object at `key`, created (or replaced when not an object) as needed.
pub fn obj_mut<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        // Just replaced by an object above.
        _ => unreachable!("slot is an object"),
    }
}

/// Applies the defaults of `kind` (in `group`) to a whole object: what the
/// real server's scheme defaulting sets, owned by the writer. What it fills
/// in later, owned by nobody, is [`fill`]'s.
pub fn apply(group: &str, kind: &str, object: &mut Value) {
    if let Some(map) = object.as_object_mut() {
        kinds::apply(group, kind, map);
    }
}
