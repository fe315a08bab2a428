//! Tests of the patch module: recorded kube-apiserver answers replayed
//! through our functions, and focused cases per feature.

mod apply;
mod recorded;
mod strategic;

use serde_json::Value;

/// The entries of a recorded reference file (request/response pairs).
pub fn recording(text: &str) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(text).expect("recorded reference is a JSON list")
}

/// A request body that was recorded as a JSON string (apply bodies) or as JSON.
pub fn request_body(entry: &Value) -> Value {
    match &entry["request"]["body"] {
        Value::String(text) => serde_json::from_str(text).expect("recorded body is JSON"),
        other => other.clone(),
    }
}

pub fn response_body(entry: &Value) -> Value {
    entry["response"]["body"].clone()
}

pub fn at(time: &str) -> jiff::Timestamp {
    time.parse().expect("valid timestamp")
}
