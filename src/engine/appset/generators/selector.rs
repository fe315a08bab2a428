//! Kubernetes label selectors (`matchLabels`, `matchExpressions`) over a
//! string map: cluster labels, or a flat parameter set.

use serde_json::Value;

/// True when `selector` is absent or has no terms.
pub fn is_empty(selector: Option<&Value>) -> bool {
    selector.is_none_or(|s| {
        let labels = s.get("matchLabels").and_then(Value::as_object);
        let exprs = s.get("matchExpressions").and_then(Value::as_array);
        labels.is_none_or(|l| l.is_empty()) && exprs.is_none_or(|e| e.is_empty())
    })
}

/// Whether `get(key)` satisfies the selector; a malformed term is an error.
pub fn matches(selector: &Value, get: &dyn Fn(&str) -> Option<String>) -> Result<bool, String> {
    if let Some(labels) = selector.get("matchLabels").and_then(Value::as_object) {
        for (key, want) in labels {
            if get(key).as_deref() != want.as_str() {
                return Ok(false);
            }
        }
    }
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for expr in expressions {
        let key = expr
            .get("key")
            .and_then(Value::as_str)
            .ok_or("selector matchExpressions entry has no key")?;
        let values: Vec<&str> = expr
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let actual = get(key);
        let ok = match expr.get("operator").and_then(Value::as_str) {
            Some("In") => actual.is_some_and(|a| values.contains(&a.as_str())),
            Some("NotIn") => actual.is_none_or(|a| !values.contains(&a.as_str())),
            Some("Exists") => actual.is_some(),
            Some("DoesNotExist") => actual.is_none(),
            other => {
                return Err(format!(
                    "selector operator {:?} for key {key:?} is not one of In, NotIn, Exists, DoesNotExist",
                    other.unwrap_or("")
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}
