//! The default templating (fasttemplate): `{{ key }}` becomes the parameter's
//! value when the parameter exists and is a string; any other tag is kept
//! exactly as written.

use crate::engine::appset::params::Params;

pub fn render(text: &str, params: &Params) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        let key = after_open[..close].trim();
        match params.get(key).and_then(|v| v.as_str()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after_open[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_known_string_params_and_keeps_the_rest() {
        let params = json!({"path.basename": "my_app", "n": 3})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            render("{{ path.basename }}-{{ nope }}", &params),
            "my_app-{{ nope }}"
        );
        assert_eq!(render("{{n}}|{{  n }}", &params), "{{n}}|{{  n }}");
        assert_eq!(render("a {{ path.basename", &params), "a {{ path.basename");
        assert_eq!(render("{env}", &params), "{env}");
    }
}
