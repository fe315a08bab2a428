//! Reading and writing `metadata.managedFields` entries.

use serde_json::{Map, Value, json};

use crate::sandbox::patch::fieldset::{FieldSet, PathElement};

pub const APPLY: &str = "Apply";
pub const UPDATE: &str = "Update";

/// One managedFields entry with its fields decoded.
#[derive(Debug, Clone)]
pub struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub subresource: String,
    pub fields: FieldSet,
}

impl Entry {
    /// Whether this entry is the one a write by `manager` with `operation`
    /// on `subresource` records into (appliers ignore the API version).
    pub fn is_for(
        &self,
        manager: &str,
        operation: &str,
        subresource: &str,
        api_version: &str,
    ) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource == subresource
            && (operation == APPLY || self.api_version == api_version)
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        });
        if let Some(time) = &self.time {
            entry["time"] = json!(time);
        }
        entry["fieldsType"] = json!("FieldsV1");
        entry["fieldsV1"] = self.fields.to_fields_v1();
        if !self.subresource.is_empty() {
            entry["subresource"] = json!(self.subresource);
        }
        entry
    }

    fn from_json(value: &Value) -> Option<Entry> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Entry {
            manager: text("manager")?,
            operation: text("operation").unwrap_or_default(),
            api_version: text("apiVersion").unwrap_or_default(),
            time: text("time"),
            subresource: text("subresource").unwrap_or_default(),
            fields: value
                .get("fieldsV1")
                .map(FieldSet::from_fields_v1)
                .unwrap_or_default(),
        })
    }
}

/// The entries of an object; entries without a manager are dropped, as the
/// server does when a client resets managedFields with `[{}]`.
pub fn read_entries(object: &Value) -> Vec<Entry> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(Entry::from_json).collect())
        .unwrap_or_default()
}

/// Stores entries in the order a real server does (Apply before Update,
/// then oldest first, then by manager, API version and subresource),
/// dropping entries that own nothing.
pub fn write_entries(object: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|entry| !entry.fields.is_empty());
    entries.sort_by(|a, b| {
        a.operation
            .cmp(&b.operation)
            .then_with(|| {
                a.time
                    .as_deref()
                    .unwrap_or("")
                    .cmp(b.time.as_deref().unwrap_or(""))
            })
            .then_with(|| a.manager.cmp(&b.manager))
            .then_with(|| a.api_version.cmp(&b.api_version))
            .then_with(|| a.subresource.cmp(&b.subresource))
    });
    let Some(object) = object.as_object_mut() else {
        return;
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        metadata.remove("managedFields");
    } else {
        metadata.insert(
            "managedFields".to_owned(),
            Value::Array(entries.iter().map(Entry::to_json).collect()),
        );
    }
}

/// A copy of the object without its managedFields.
pub fn without_managed_fields(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(metadata) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    copy
}

/// Drops the fields nobody owns: identity and server-maintained metadata.
pub fn strip_server_fields(set: &mut FieldSet) {
    let field = |name: &str| PathElement::Field(name.to_owned());
    set.remove_subtree(&[field("apiVersion")]);
    set.remove_subtree(&[field("kind")]);
    for name in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "generation",
        "managedFields",
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        set.remove_subtree(&[field("metadata"), field(name)]);
    }
    // `metadata` itself is never a member, only fields below it.
    let mut metadata_member = FieldSet::new();
    metadata_member.insert(&[field("metadata")]);
    *set = set.difference(&metadata_member);
}

/// RFC 3339 with whole seconds, as managedFields times are written.
pub fn format_time(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The `apiVersion` of an object.
pub fn api_version_of(object: &Value) -> String {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}
