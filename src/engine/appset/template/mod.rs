//! Rendering strings of a template or a generator spec against one parameter
//! set, in the ApplicationSet's templating mode.

mod fast;
mod go;
mod go_funcs;

use serde_json::Value;

use super::params::Params;

/// The templating mode of one ApplicationSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Templating {
    pub go: bool,
    /// `goTemplateOptions: ["missingkey=error"]`.
    pub missing_key_error: bool,
}

impl Templating {
    /// Reads `goTemplate` and `goTemplateOptions`; an option plumb does not
    /// know is an error rather than silently ignored.
    pub fn new(go: bool, options: &[String]) -> Result<Self, String> {
        let mut missing_key_error = false;
        for option in options {
            match option.as_str() {
                "missingkey=error" => missing_key_error = true,
                "missingkey=default" | "missingkey=invalid" | "missingkey=zero" => {}
                other => return Err(format!("unsupported goTemplateOptions entry {other:?}")),
            }
        }
        Ok(Self {
            go,
            missing_key_error,
        })
    }

    pub fn render_str(&self, text: &str, params: &Params) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_owned());
        }
        if self.go {
            go::render(text, params, self.missing_key_error)
        } else {
            Ok(fast::render(text, params))
        }
    }

    /// Renders every string field (never keys) of `value`; `skip` names keys
    /// whose subtrees are left as they are. Errors name the field.
    pub fn render_value(
        &self,
        value: &Value,
        params: &Params,
        skip: &[&str],
    ) -> Result<Value, String> {
        self.render_at(value, params, skip, "")
    }

    fn render_at(
        &self,
        value: &Value,
        params: &Params,
        skip: &[&str],
        at: &str,
    ) -> Result<Value, String> {
        match value {
            Value::String(s) => self.render_str(s, params).map(Value::String).map_err(|e| {
                if at.is_empty() {
                    e
                } else {
                    format!("{at}: {e}")
                }
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.render_at(item, params, skip, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (key, inner) in map {
                    let rendered = if skip.contains(&key.as_str()) {
                        inner.clone()
                    } else {
                        let field = if at.is_empty() {
                            key.clone()
                        } else {
                            format!("{at}.{key}")
                        };
                        self.render_at(inner, params, skip, &field)?
                    };
                    out.insert(key.clone(), rendered);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }
}
