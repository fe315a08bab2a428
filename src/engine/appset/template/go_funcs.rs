//! The Sprig and Argo CD template functions ApplicationSet authors rely on
//! most, on top of gtmpl's Go built-ins (`index`, `printf`, `len`, `eq`...).

use std::collections::BTreeMap;

use gtmpl::{Func, FuncError, Value};

use super::go::{from_json, to_json};
use crate::engine::appset::params::sanitize_name;

pub const FUNCTIONS: &[(&str, Func)] = &[
    ("default", default as Func),
    ("lower", lower as Func),
    ("upper", upper as Func),
    ("replace", replace as Func),
    ("trunc", trunc as Func),
    ("trim", trim as Func),
    ("trimPrefix", trim_prefix as Func),
    ("trimSuffix", trim_suffix as Func),
    ("toYaml", to_yaml as Func),
    ("fromYaml", from_yaml as Func),
    ("fromYamlArray", from_yaml as Func),
    ("toJson", to_json_text as Func),
    ("quote", quote as Func),
    ("squote", squote as Func),
    ("normalize", normalize as Func),
    ("slugify", slugify as Func),
    ("hasPrefix", has_prefix as Func),
    ("hasSuffix", has_suffix as Func),
    ("contains", contains as Func),
    ("join", join as Func),
    ("list", list as Func),
    ("dict", dict as Func),
    ("empty", empty as Func),
    ("toString", to_string as Func),
];

fn exactly(name: &str, args: &[Value], n: usize) -> Result<(), FuncError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(FuncError::ExactlyXArgs(name.to_owned(), n))
    }
}

/// Go's `%v` of a value, as Sprig's string functions see their argument.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::NoValue | Value::Nil => String::new(),
        other => other.to_string(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::NoValue | Value::Nil => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Map(m) | Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Function(_) => false,
    }
}

fn default(args: &[Value]) -> Result<Value, FuncError> {
    match args {
        [fallback] => Ok(fallback.clone()),
        [fallback, given] => Ok(if is_empty(given) { fallback } else { given }.clone()),
        _ => Err(FuncError::AtLeastXArgs("default".into(), 1)),
    }
}

fn empty(args: &[Value]) -> Result<Value, FuncError> {
    exactly("empty", args, 1)?;
    Ok(Value::Bool(is_empty(&args[0])))
}

fn string_fn(name: &str, args: &[Value], f: impl Fn(&str) -> String) -> Result<Value, FuncError> {
    exactly(name, args, 1)?;
    Ok(Value::String(f(&text(&args[0]))))
}

fn lower(args: &[Value]) -> Result<Value, FuncError> {
    string_fn("lower", args, str::to_lowercase)
}

fn upper(args: &[Value]) -> Result<Value, FuncError> {
    string_fn("upper", args, str::to_uppercase)
}

fn trim(args: &[Value]) -> Result<Value, FuncError> {
    string_fn("trim", args, |s| s.trim().to_owned())
}

fn normalize(args: &[Value]) -> Result<Value, FuncError> {
    string_fn("normalize", args, sanitize_name)
}

fn to_string(args: &[Value]) -> Result<Value, FuncError> {
    string_fn("toString", args, str::to_owned)
}

fn quote(args: &[Value]) -> Result<Value, FuncError> {
    let quoted: Vec<String> = args
        .iter()
        .filter(|a| !matches!(a, Value::NoValue | Value::Nil))
        .map(|a| serde_json::Value::String(text(a)).to_string())
        .collect();
    Ok(Value::String(quoted.join(" ")))
}

fn squote(args: &[Value]) -> Result<Value, FuncError> {
    let quoted: Vec<String> = args
        .iter()
        .filter(|a| !matches!(a, Value::NoValue | Value::Nil))
        .map(|a| format!("'{}'", text(a)))
        .collect();
    Ok(Value::String(quoted.join(" ")))
}

fn replace(args: &[Value]) -> Result<Value, FuncError> {
    exactly("replace", args, 3)?;
    let (old, new, s) = (text(&args[0]), text(&args[1]), text(&args[2]));
    Ok(Value::String(s.replace(&old, &new)))
}

fn integer(name: &str, value: &Value) -> Result<i64, FuncError> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| FuncError::Generic(format!("{name}: {n} is not an integer"))),
        Value::String(s) => s
            .parse()
            .map_err(|_| FuncError::Generic(format!("{name}: {s:?} is not an integer"))),
        other => Err(FuncError::Generic(format!(
            "{name}: {other} is not an integer"
        ))),
    }
}

/// Sprig `trunc N s`: the first N characters, or for a negative N the last -N.
fn trunc(args: &[Value]) -> Result<Value, FuncError> {
    exactly("trunc", args, 2)?;
    let n = integer("trunc", &args[0])?;
    let chars: Vec<char> = text(&args[1]).chars().collect();
    let len = chars.len() as i64;
    let kept: String = if n >= 0 {
        chars.iter().take(n.min(len) as usize).collect()
    } else {
        chars.iter().skip((len + n).max(0) as usize).collect()
    };
    Ok(Value::String(kept))
}

fn two_strings(name: &str, args: &[Value]) -> Result<(String, String), FuncError> {
    exactly(name, args, 2)?;
    Ok((text(&args[0]), text(&args[1])))
}

fn trim_prefix(args: &[Value]) -> Result<Value, FuncError> {
    let (prefix, s) = two_strings("trimPrefix", args)?;
    Ok(Value::String(
        s.strip_prefix(&prefix).unwrap_or(&s).to_owned(),
    ))
}

fn trim_suffix(args: &[Value]) -> Result<Value, FuncError> {
    let (suffix, s) = two_strings("trimSuffix", args)?;
    Ok(Value::String(
        s.strip_suffix(&suffix).unwrap_or(&s).to_owned(),
    ))
}

fn has_prefix(args: &[Value]) -> Result<Value, FuncError> {
    let (prefix, s) = two_strings("hasPrefix", args)?;
    Ok(Value::Bool(s.starts_with(&prefix)))
}

fn has_suffix(args: &[Value]) -> Result<Value, FuncError> {
    let (suffix, s) = two_strings("hasSuffix", args)?;
    Ok(Value::Bool(s.ends_with(&suffix)))
}

fn contains(args: &[Value]) -> Result<Value, FuncError> {
    let (needle, s) = two_strings("contains", args)?;
    Ok(Value::Bool(s.contains(&needle)))
}

fn join(args: &[Value]) -> Result<Value, FuncError> {
    exactly("join", args, 2)?;
    let separator = text(&args[0]);
    let items: Vec<String> = match &args[1] {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    };
    Ok(Value::String(items.join(&separator)))
}

fn list(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::Array(args.to_vec()))
}

fn dict(args: &[Value]) -> Result<Value, FuncError> {
    let mut map = std::collections::HashMap::new();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or(Value::String(String::new()));
        map.insert(text(&pair[0]), value);
    }
    Ok(Value::Map(map))
}

/// Sprig's `toYaml`: keys sorted, no trailing newline.
fn to_yaml(args: &[Value]) -> Result<Value, FuncError> {
    exactly("toYaml", args, 1)?;
    let yaml = serde_yaml::to_string(&sorted(&to_json(&args[0])))
        .map_err(|e| FuncError::Generic(format!("toYaml: {e}")))?;
    Ok(Value::String(yaml.trim_end_matches('\n').to_owned()))
}

fn to_json_text(args: &[Value]) -> Result<Value, FuncError> {
    exactly("toJson", args, 1)?;
    Ok(Value::String(sorted(&to_json(&args[0])).to_string()))
}

fn sorted(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let ordered: BTreeMap<&String, serde_json::Value> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::Value::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted).collect())
        }
        other => other.clone(),
    }
}

fn from_yaml(args: &[Value]) -> Result<Value, FuncError> {
    exactly("fromYaml", args, 1)?;
    let parsed: serde_json::Value = serde_yaml::from_str(&text(&args[0]))
        .map_err(|e| FuncError::Generic(format!("fromYaml: {e}")))?;
    Ok(from_json(&parsed))
}

/// Argo CD's `slugify [maxSize [smartTruncate]] name`: lowercase words of
/// `[a-z0-9]` joined by `-`, at most maxSize (default 50) characters; smart
/// truncation cuts at the last `-` that fits.
fn slugify(args: &[Value]) -> Result<Value, FuncError> {
    let (max, smart, name) = match args {
        [name] => (50, true, text(name)),
        [max, name] => (integer("slugify", max)?, true, text(name)),
        [max, smart, name] => (
            integer("slugify", max)?,
            matches!(smart, Value::Bool(true)) || text(smart) == "true",
            text(name),
        ),
        _ => return Err(FuncError::AtLeastXArgs("slugify".into(), 1)),
    };
    let lowered = name.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let slug = words.join("-");
    let max = usize::try_from(max).unwrap_or(0);
    if slug.len() <= max {
        return Ok(Value::String(slug));
    }
    let cut = &slug[..max];
    let cut = match (smart, cut.rfind('-')) {
        (true, Some(dash)) if slug.as_bytes().get(max) != Some(&b'-') => &cut[..dash],
        _ => cut,
    };
    Ok(Value::String(cut.trim_end_matches('-').to_owned()))
}
