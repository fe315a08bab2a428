//! The list generator: each element of `elements` then `elementsYaml` is one
//! parameter set.

use serde_json::Value;

use crate::engine::appset::params::Params;

pub fn generate(spec: &Value, go_template: bool) -> Result<Vec<Params>, String> {
    let mut elements: Vec<Value> = spec
        .get("elements")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(yaml) = spec.get("elementsYaml").and_then(Value::as_str) {
        let parsed: Value = serde_yaml::from_str(yaml)
            .map_err(|e| format!("elementsYaml is not valid YAML: {e}"))?;
        match parsed {
            Value::Array(items) => elements.extend(items),
            Value::Null => {}
            _ => return Err("elementsYaml must be a YAML list of objects".into()),
        }
    }
    elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            let Value::Object(map) = element else {
                return Err(format!("elements[{i}] is not an object"));
            };
            if go_template {
                Ok(map.clone())
            } else {
                flat_element(map).map_err(|e| format!("elements[{i}]: {e}"))
            }
        })
        .collect()
}

/// Flat mode: every value must be a string; a `values` map becomes `values.<k>`.
fn flat_element(map: &Params) -> Result<Params, String> {
    let mut params = Params::new();
    for (key, value) in map {
        if key == "values" {
            let Value::Object(values) = value else {
                return Err("values must be a map of strings".into());
            };
            for (k, v) in values {
                let text = v
                    .as_str()
                    .ok_or_else(|| not_string(&format!("values.{k}"), v))?;
                params.insert(format!("values.{k}"), text.into());
            }
            continue;
        }
        let text = value.as_str().ok_or_else(|| not_string(key, value))?;
        params.insert(key.clone(), text.into());
    }
    Ok(params)
}

fn not_string(key: &str, value: &Value) -> String {
    format!(
        "error parsing value as string: {key} is {value}, but without goTemplate: true every list element value must be a string (quote it)"
    )
}
