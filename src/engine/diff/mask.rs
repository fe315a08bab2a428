//! Secret masking for display (§6.4): each distinct value of a key gets its
//! own run of `+` (8, 12, 16 …), so a change is visible but no value is.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::Value;

use super::normalize::LAST_APPLIED;
use crate::model::{group_of, kind_of};

const FIRST_MASK: usize = 8;
const MASK_STEP: usize = 4;

/// The masks of one comparison: per key, the distinct values in the order
/// first seen.
#[derive(Debug, Default)]
pub struct Masks {
    seen: HashMap<String, Vec<String>>,
}

impl Masks {
    fn note(&mut self, key: &str, value: String) {
        let values = self.seen.entry(key.to_owned()).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }

    /// The mask of `value` under `key` (values not seen get a fresh length).
    pub fn mask(&self, key: &str, value: &str) -> String {
        let values = self.seen.get(key);
        let position = values
            .and_then(|values| values.iter().position(|v| v == value))
            .unwrap_or_else(|| values.map_or(0, Vec::len));
        "+".repeat(FIRST_MASK + MASK_STEP * position)
    }

    /// Learns the values of a Secret (data, stringData as its base64 form)
    /// and of the sensitive annotations of any object.
    fn learn(&mut self, object: &Value, sensitive: &[String]) {
        if is_secret(object) {
            for (key, value) in secret_values(object) {
                self.note(&format!("data.{key}"), value);
            }
        }
        for name in sensitive {
            if let Some(value) = crate::model::annotation(object, name) {
                self.note(&format!("annotation.{name}"), value.to_owned());
            }
        }
    }
}

fn is_secret(object: &Value) -> bool {
    group_of(object).is_empty() && kind_of(object) == "Secret"
}

/// Every data value of a Secret in its base64 form.
fn secret_values(secret: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::Object(data)) = secret.get("data") {
        out.extend(data.iter().map(|(k, v)| (k.clone(), text_of(v))));
    }
    if let Some(Value::Object(data)) = secret.get("stringData") {
        out.extend(
            data.iter()
                .map(|(k, v)| (k.clone(), encode_string_data(&text_of(v)))),
        );
    }
    out
}

fn encode_string_data(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn last_applied(object: &Value) -> Option<Value> {
    crate::model::annotation(object, LAST_APPLIED).and_then(|text| serde_json::from_str(text).ok())
}

/// Builds the masks over all the objects of one comparison, including the
/// last-applied copies they carry.
pub fn masks_for(objects: &[Option<&Value>], sensitive: &[String]) -> Masks {
    let mut masks = Masks::default();
    for object in objects.iter().flatten() {
        masks.learn(object, sensitive);
        if let Some(orig) = last_applied(object) {
            masks.learn(&orig, sensitive);
        }
    }
    masks
}

/// Replaces Secret values and sensitive annotations with their masks.
pub fn apply_masks(object: &mut Value, masks: &Masks, sensitive: &[String]) {
    let secret = is_secret(object);
    if secret {
        if let Some(Value::Object(data)) = object.get_mut("data") {
            for (key, value) in data.iter_mut() {
                *value = Value::String(masks.mask(&format!("data.{key}"), &text_of(value)));
            }
        }
        if let Some(Value::Object(data)) = object.get_mut("stringData") {
            for (key, value) in data.iter_mut() {
                let encoded = encode_string_data(&text_of(value));
                *value = Value::String(masks.mask(&format!("data.{key}"), &encoded));
            }
        }
    }
    let Some(Value::Object(annotations)) = object.pointer_mut("/metadata/annotations") else {
        return;
    };
    for name in sensitive {
        if let Some(value) = annotations.get_mut(name) {
            *value = Value::String(masks.mask(&format!("annotation.{name}"), &text_of(value)));
        }
    }
    if let Some(value) = annotations.get_mut(LAST_APPLIED) {
        let listed = sensitive.iter().any(|name| name == LAST_APPLIED);
        let parsed: Option<Value> = value
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok());
        *value = match parsed {
            Some(mut orig) if !listed => {
                apply_masks(&mut orig, masks, sensitive);
                Value::String(orig.to_string())
            }
            _ if secret || listed => Value::String("+".repeat(FIRST_MASK)),
            _ => return,
        };
    }
}

/// Masks Secret values (and the last-applied copies) of a desired/live pair
/// for display; equal values get equal masks.
pub fn mask_secrets(desired: &mut Option<Value>, live: &mut Option<Value>) {
    mask_secrets_with(desired, live, &[]);
}

/// [`mask_secrets`] that also masks the named annotations
/// (`resource.sensitive.mask.annotations`) on any kind.
pub fn mask_secrets_with(
    desired: &mut Option<Value>,
    live: &mut Option<Value>,
    sensitive: &[String],
) {
    let masks = masks_for(&[desired.as_ref(), live.as_ref()], sensitive);
    for object in [desired, live].into_iter().flatten() {
        apply_masks(object, &masks, sensitive);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn distinct_values_get_growing_masks_per_key() {
        let mut desired = Some(json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"a": "eA==", "b": "c2FtZQ=="}}));
        let mut live = Some(json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"a": "eQ==", "b": "c2FtZQ=="}}));
        mask_secrets(&mut desired, &mut live);
        let (desired, live) = (desired.expect("kept"), live.expect("kept"));
        assert_eq!(desired["data"]["a"], "++++++++");
        assert_eq!(live["data"]["a"], "++++++++++++");
        assert_eq!(desired["data"]["b"], "++++++++");
        assert_eq!(live["data"]["b"], "++++++++");
    }

    #[test]
    fn string_data_masks_like_its_encoded_data() {
        let mut desired = Some(json!({"apiVersion": "v1", "kind": "Secret",
            "stringData": {"a": "x"}}));
        let mut live = Some(json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"a": "eA=="}, "metadata": {"annotations": {
                LAST_APPLIED: "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"stringData\":{\"a\":\"x\"}}"}}}));
        mask_secrets(&mut desired, &mut live);
        let (desired, live) = (desired.expect("kept"), live.expect("kept"));
        assert_eq!(desired["stringData"]["a"], "++++++++");
        assert_eq!(live["data"]["a"], "++++++++");
        let applied = live["metadata"]["annotations"][LAST_APPLIED]
            .as_str()
            .expect("string");
        assert!(!applied.contains("\"x\""), "{applied}");
        assert!(applied.contains("++++++++"), "{applied}");
    }

    #[test]
    fn sensitive_annotations_are_masked_on_any_kind() {
        let mut desired =
            Some(json!({"kind": "ConfigMap", "metadata": {"annotations": {"token": "t1"}}}));
        let mut live = None;
        mask_secrets_with(&mut desired, &mut live, &["token".into()]);
        assert_eq!(
            desired.expect("kept")["metadata"]["annotations"]["token"],
            "++++++++"
        );
    }
}
