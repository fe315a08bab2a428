//! Parameter sets: what one generator result holds, and the parameter shapes
//! Argo CD builds for paths (flat `path[N]` keys or Go `path.segments`).

use serde_json::{Map, Value};

/// One parameter set. Flat mode holds only string values under dotted keys;
/// Go mode holds nested maps and lists.
pub type Params = Map<String, Value>;

/// Argo CD's `SanitizeName` (the `normalize` function and `*Normalized`
/// parameters): lowercase, anything outside `[-a-z0-9.]` becomes `-`,
/// at most 253 characters, no leading or trailing `-` / `.`.
pub fn sanitize_name(name: &str) -> String {
    let replaced: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(253)
        .collect();
    replaced.trim_matches(['-', '.']).to_owned()
}

/// The last `/`-separated segment of a path.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Flattens a nested value into dot keys (`a.b`, list items `a.0`) with Go
/// `%v`-style string values, as the flat-mode git file generator does.
pub fn flatten_into(prefix: &str, value: &Value, out: &mut Params) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten_into(&join_key(prefix, key), inner, out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                flatten_into(&join_key(prefix, &i.to_string()), inner, out);
            }
        }
        scalar => {
            out.insert(prefix.to_owned(), Value::String(go_display(scalar)));
        }
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// How Go's `fmt.Sprintf("%v")` prints a decoded JSON scalar.
pub fn go_display(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The parameters describing a repository path: `path`, `path.basename`,
/// `path.basenameNormalized`, `path[N]` (flat) or a `path` map with
/// `segments` (Go). `file` adds the `filename` parameters of the git file
/// generator. `prefix` is the generator's `pathParamPrefix`.
pub fn add_path_params(
    out: &mut Params,
    dir: &str,
    file: Option<&str>,
    prefix: &str,
    go_template: bool,
) {
    let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let base = basename(dir);
    if go_template {
        let mut path = Map::new();
        path.insert("path".into(), dir.into());
        path.insert("basename".into(), base.into());
        path.insert("basenameNormalized".into(), sanitize_name(base).into());
        if let Some(file) = file {
            path.insert("filename".into(), file.into());
            path.insert("filenameNormalized".into(), sanitize_name(file).into());
        }
        path.insert(
            "segments".into(),
            Value::Array(segments.iter().map(|s| Value::from(*s)).collect()),
        );
        if prefix.is_empty() {
            out.insert("path".into(), Value::Object(path));
        } else {
            let mut outer = Map::new();
            outer.insert("path".into(), Value::Object(path));
            out.insert(prefix.to_owned(), Value::Object(outer));
        }
        return;
    }
    let key = if prefix.is_empty() {
        "path".to_owned()
    } else {
        format!("{prefix}.path")
    };
    out.insert(key.clone(), dir.into());
    out.insert(format!("{key}.basename"), base.into());
    out.insert(
        format!("{key}.basenameNormalized"),
        sanitize_name(base).into(),
    );
    if let Some(file) = file {
        out.insert(format!("{key}.filename"), file.into());
        out.insert(
            format!("{key}.filenameNormalized"),
            sanitize_name(file).into(),
        );
    }
    for (i, segment) in segments.iter().enumerate() {
        out.insert(format!("{key}[{i}]"), (*segment).into());
    }
}

/// Looks up a dotted key: directly (flat params) or through nested maps (Go).
pub fn lookup<'a>(params: &'a Params, key: &str) -> Option<&'a Value> {
    if let Some(value) = params.get(key) {
        return Some(value);
    }
    let mut parts = key.split('.');
    let mut current = params.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// Deep merge: maps merge recursively, anything else in `over` replaces.
pub fn deep_merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_name_follows_argo() {
        assert_eq!(sanitize_name("My_App.v2-"), "my-app.v2");
        assert_eq!(sanitize_name("--Foo Bar.."), "foo-bar");
    }

    #[test]
    fn flat_path_params_index_non_empty_segments() {
        let mut params = Params::new();
        add_path_params(&mut params, "apps/my_app", None, "", false);
        assert_eq!(params["path[0]"], "apps");
        assert_eq!(params["path[1]"], "my_app");
        assert_eq!(params["path.basenameNormalized"], "my-app");
        assert!(!params.contains_key("path[2]"));
    }

    #[test]
    fn flatten_uses_dot_keys_and_go_formatting() {
        let mut params = Params::new();
        let value = serde_json::json!({"a": {"b": 1, "c": [true, "x"]}, "n": null});
        flatten_into("", &value, &mut params);
        assert_eq!(params["a.b"], "1");
        assert_eq!(params["a.c.0"], "true");
        assert_eq!(params["a.c.1"], "x");
        assert_eq!(params["n"], "<nil>");
    }
}
