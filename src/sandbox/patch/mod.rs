//! Write semantics of the sandbox API server: JSON merge patch, JSON patch,
//! strategic merge patch, server-side apply and managedFields bookkeeping.
//! Pure functions over JSON values; the HTTP layer maps `PatchError` and
//! `managed::ApplyConflict` to Status responses.

mod fieldset;
pub mod managed;
mod schema;
mod strategic;
mod walk;

use std::sync::OnceLock;

use serde_json::{Value, json};

pub use fieldset::{FieldSet, PathElement};
pub use schema::{ListType, Schema, Shape};
pub use strategic::strategic_merge_patch;

static OPENAPI_V2: &[u8] = include_bytes!("../../../assets/k8s/openapi-v2.json.gz");

/// The bundled OpenAPI document, parsed on first use.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // The document is compiled into the binary; a failure here is a build defect,
        // and an empty schema still serves every kind as a custom resource.
        Schema::from_gzip(OPENAPI_V2).unwrap_or_else(|err| {
            tracing::error!("bundled OpenAPI document unusable: {err}");
            Schema::from_document(Value::Null)
        })
    })
}

/// Group, version and kind of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    /// Reads `apiVersion` and `kind` of an object (`v1` is the core group "").
    pub fn of(object: &Value) -> Gvk {
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: object
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        }
    }
}

/// A patch the server refuses, with the status a kube-apiserver answers.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// Strategic merge patch sent for a kind without a Go schema (custom resources).
    #[error(
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )]
    StrategicMergeUnsupported,
    /// The patch document itself is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The patch is well formed but cannot be applied to the object (422);
    /// `cause` is what went wrong, reported in the Status causes.
    #[error("the server rejected our request due to an error in our request")]
    Rejected { cause: String },
}

impl PatchError {
    /// HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::StrategicMergeUnsupported => 415,
            PatchError::BadRequest(_) => 400,
            PatchError::Rejected { .. } => 422,
        }
    }

    /// `reason` of the Status.
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::StrategicMergeUnsupported => "UnsupportedMediaType",
            PatchError::BadRequest(_) => "BadRequest",
            PatchError::Rejected { .. } => "Invalid",
        }
    }

    /// The complete Status object a real server returns.
    pub fn status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
        });
        match self {
            PatchError::StrategicMergeUnsupported => status["details"] = json!({}),
            PatchError::Rejected { cause } => {
                status["details"] =
                    json!({"causes": [{"reason": "UnexpectedServerResponse", "message": cause}]});
            }
            PatchError::BadRequest(_) => {}
        }
        status["code"] = json!(self.code());
        status
    }
}

/// RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces.
pub fn merge_patch(live: &Value, patch: &Value) -> Value {
    let mut merged = live.clone();
    json_patch::merge(&mut merged, patch);
    merged
}

/// RFC 6902 JSON patch.
pub fn json_patch(live: &Value, patch: &Value) -> Result<Value, PatchError> {
    if !patch.is_array() {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_type(patch)
        )));
    }
    let operations: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|err| PatchError::BadRequest(format!("invalid JSON patch operation: {err}")))?;
    let mut patched = live.clone();
    json_patch::patch(&mut patched, &operations).map_err(|err| PatchError::Rejected {
        cause: err.to_string(),
    })?;
    Ok(patched)
}

/// The JSON type name Go's decoder uses in its messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests;
