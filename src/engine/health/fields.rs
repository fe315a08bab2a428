//! Small readers over untyped objects. Absent or mistyped fields read as the
//! Go zero value, as Argo CD's typed conversion would leave them.

use serde_json::Value;

pub(super) fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |cur, key| cur.get(key))
}

pub(super) fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn opt_int_at(obj: &Value, path: &[&str]) -> Option<i64> {
    let value = at(obj, path)?;
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

pub(super) fn int_at(obj: &Value, path: &[&str]) -> i64 {
    opt_int_at(obj, path).unwrap_or(0)
}

pub(super) fn bool_at(obj: &Value, path: &[&str]) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn array_at<'a>(obj: &'a Value, path: &[&str]) -> &'a [Value] {
    at(obj, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// `status.conditions` of an object.
pub(super) fn conditions(obj: &Value) -> &[Value] {
    array_at(obj, &["status", "conditions"])
}

/// The first condition of the given type.
pub(super) fn condition<'a>(obj: &'a Value, condition_type: &str) -> Option<&'a Value> {
    conditions(obj)
        .iter()
        .find(|c| str_at(c, &["type"]) == condition_type)
}

/// Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
pub(super) fn gvk_string(obj: &Value) -> String {
    let api_version = str_at(obj, &["apiVersion"]);
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={}", str_at(obj, &["kind"]))
}

/// Go's `%q` for the names that appear in messages.
pub(super) fn quoted(text: &str) -> String {
    format!("{text:?}")
}
