//! `goTemplate: true`: each string is a Go text/template (gtmpl) executed
//! against the parameter set, with the functions of `go_funcs`.

use std::collections::HashMap;

use gtmpl::{Context, Template, Value};

use super::go_funcs::FUNCTIONS;
use crate::engine::appset::params::{Params, lookup};

const NO_VALUE: &str = "<no value>";

/// Executes one template string. With `missing_key_error`, a reference to a
/// parameter that does not exist is an error (`missingkey=error`); without,
/// it prints `<no value>` as Go does.
pub fn render(text: &str, params: &Params, missing_key_error: bool) -> Result<String, String> {
    if let Some(problem) = unbalanced_action(text) {
        return Err(format!("cannot parse template {text:?}: {problem}"));
    }
    if missing_key_error
        && !text.contains("range")
        && !text.contains("with")
        && let Some(key) = missing_reference(text, params)
    {
        return Err(format!(
            "cannot execute template {text:?}: map has no entry for key {key:?} (missingkey=error)"
        ));
    }
    let mut template = Template::default();
    template.add_funcs(FUNCTIONS);
    template
        .parse(text)
        .map_err(|e| format!("cannot parse template {text:?}: {e}"))?;
    let data = from_json(&serde_json::Value::Object(params.clone()));
    // gtmpl is not hardened against every input; a panic must not reach the user.
    let rendered = std::panic::catch_unwind(|| {
        template
            .render(&Context::from(data))
            .map_err(|e| format!("cannot execute template {text:?}: {e}"))
    })
    .map_err(|_| format!("template {text:?} uses a construct plumb cannot execute"))??;
    if missing_key_error && rendered.contains(NO_VALUE) && !text.contains(NO_VALUE) {
        let key = missing_reference(text, params).unwrap_or_else(|| "?".to_owned());
        return Err(format!(
            "cannot execute template {text:?}: map has no entry for key {key:?} (missingkey=error)"
        ));
    }
    Ok(rendered)
}

/// gtmpl never returns on an action left open (`{{ .name `) and accepts a
/// pipe with nothing after it, so both are caught before parsing.
fn unbalanced_action(text: &str) -> Option<&'static str> {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            return Some("unclosed action");
        };
        let action = rest[open + 2..open + 2 + close]
            .trim_end_matches('-')
            .trim_end();
        if action.ends_with('|') {
            return Some("missing command after |");
        }
        rest = &rest[open + 2 + close + 2..];
    }
    None
}

/// The first `.a.b` reference inside the actions of a template that the
/// parameters lack (`$.a.b` included; `$var.a` and literals are not references).
fn missing_reference(text: &str, params: &Params) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        if let Some(key) = missing_in_action(&after[..close], params) {
            return Some(key);
        }
        rest = &after[close + 2..];
    }
    None
}

fn missing_in_action(action: &str, params: &Params) -> Option<String> {
    // String literals are blanked so that "a.yaml" is not read as a reference.
    let mut in_string = false;
    let unquoted: String = action
        .chars()
        .map(|c| {
            if c == '"' || c == '`' {
                in_string = !in_string;
                ' '
            } else if in_string {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut rest = unquoted.as_str();
    while let Some(start) = rest.find('.') {
        let after = &rest[start + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(after.len());
        let reference = after[..len].trim_end_matches('.');
        let preceded_by_word = rest[..start]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !reference.is_empty() && !preceded_by_word && lookup(params, reference).is_none() {
            return Some(reference.to_owned());
        }
        rest = &after[len..];
    }
    None
}

pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::from(i),
            (None, Some(u), _) => Value::from(u),
            (None, None, Some(f)) => Value::from(f),
            _ => Value::Nil,
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::NoValue | Value::Nil | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into(),
            (None, Some(u), _) => u.into(),
            (None, None, Some(f)) => serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            _ => serde_json::Value::Null,
        },
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(map) | Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: serde_json::Value) -> Params {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn fields_pipelines_and_functions() {
        let p = params(
            json!({"path": {"basename": "My_App", "segments": ["apps", "My_App"]},
                              "env": "prod", "n": 3}),
        );
        let cases = [
            ("{{.path.basename | lower}}", "my_app"),
            ("{{ .path.basename | normalize }}", "my-app"),
            ("{{ default \"x\" .missing }}", "x"),
            ("{{ default \"x\" .env }}", "prod"),
            ("{{ index .path.segments 0 }}", "apps"),
            ("{{ if eq .env \"prod\" }}p{{ else }}d{{ end }}", "p"),
            (
                "{{ range .path.segments }}[{{ . }}]{{ end }}",
                "[apps][My_App]",
            ),
            ("{{ with .path }}{{ .basename }}{{ end }}", "My_App"),
            ("{{ printf \"%s-%d\" .env .n }}", "prod-3"),
            ("{{ replace \"o\" \"0\" .env | upper }}", "PR0D"),
            ("{{ trunc 2 .env }}|{{ trimPrefix \"pr\" .env }}", "pr|od"),
            ("{{ join \",\" (list \"a\" \"b\") }}", "a,b"),
            ("{{ (dict \"k\" \"v\") | toYaml }}", "k: v"),
            ("{{ slugify \"Hello World_x\" }}", "hello-world-x"),
            ("{{ .missing }}", "<no value>"),
        ];
        for (text, want) in cases {
            assert_eq!(render(text, &p, false).as_deref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn missing_key_error_names_the_key() {
        let err = render("{{ .nope }}", &params(json!({"a": "b"})), true).unwrap_err();
        assert!(err.contains("map has no entry for key \"nope\""), "{err}");
    }

    #[test]
    fn missing_key_error_applies_inside_functions_but_not_to_literals() {
        let p = params(json!({"a": {"b": "x"}}));
        let err = render("{{ default \"v\" .team }}", &p, true).unwrap_err();
        assert!(err.contains("\"team\""), "{err}");
        assert_eq!(
            render("{{ .a.b }}-{{ printf \"%s.yaml\" $.a.b }}", &p, true).as_deref(),
            Ok("x-x.yaml")
        );
        assert_eq!(
            render(
                "{{ range $k, $v := .a }}{{ $k }}.{{ $v }}{{ end }}",
                &p,
                true
            )
            .as_deref(),
            Ok("b.x")
        );
    }

    #[test]
    fn malformed_templates_are_errors_not_hangs() {
        let p = params(json!({"a": "b"}));
        for text in [
            "{{ .a ",
            "{{ if .a }}x",
            "{{ end }}",
            "{{ .a | }}",
            "{{ ( .a }}",
            "{{ \"abc }}",
        ] {
            assert!(render(text, &p, false).is_err(), "{text}");
        }
    }

    #[test]
    fn unknown_function_is_an_error_naming_it() {
        let err = render("{{ sha1sum .a }}", &params(json!({"a": "b"})), false).unwrap_err();
        assert!(err.contains("sha1sum"), "{err}");
    }
}
