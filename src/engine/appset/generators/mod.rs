//! Generators: from one generator spec to parameter sets. Matrix and merge
//! combine the sets of their children.

mod clusters;
mod git;
mod list;
mod selector;

use serde_json::Value;

use super::GeneratorContext;
use super::params::{Params, deep_merge, lookup};
use super::template::Templating;

const SUPPORTED: [&str; 5] = ["list", "clusters", "git", "matrix", "merge"];
/// Generators that need a service plumb cannot reach offline.
const ONLINE_ONLY: [&str; 4] = [
    "pullRequest",
    "scmProvider",
    "clusterDecisionResource",
    "plugin",
];
/// Keys of a generator entry that are not generators themselves.
const MODIFIERS: [&str; 2] = ["template", "selector"];

#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The spec or the data is wrong: Argo CD reports ErrorOccurred.
    Error(String),
    /// A generator that needs an online service (SCM API, plugin...).
    Unsupported(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Error(message)
    }
}

/// The generator kind of an entry (`list`, `git`...), if it has exactly one.
fn kind_of(generator: &Value) -> Result<(&str, &Value), Failure> {
    let Some(map) = generator.as_object() else {
        return Err(Failure::Error("a generator must be an object".into()));
    };
    let kinds: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| !MODIFIERS.contains(&k.as_str()))
        .collect();
    match kinds.as_slice() {
        [(kind, spec)] => Ok((kind.as_str(), spec)),
        [] => Err(Failure::Error(
            "a generator entry names no generator".into(),
        )),
        many => Err(Failure::Error(format!(
            "a generator entry must name exactly one generator, found {}",
            many.iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `list`, `matrix(git,list)`... for reports.
pub fn describe(generator: &Value) -> String {
    match kind_of(generator) {
        Ok((kind @ ("matrix" | "merge"), spec)) => {
            let children: Vec<String> = children(spec).iter().map(describe).collect();
            format!("{kind}({})", children.join(","))
        }
        Ok((kind, _)) => kind.to_owned(),
        Err(_) => "invalid".to_owned(),
    }
}

fn children(spec: &Value) -> Vec<Value> {
    spec.get("generators")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The parameter sets of one generator entry.
pub fn generate(
    generator: &Value,
    templating: &Templating,
    ctx: &GeneratorContext,
) -> Result<Vec<Params>, Failure> {
    let (kind, spec) = kind_of(generator)?;
    let at = |e: String| Failure::Error(format!("{kind} generator: {e}"));
    let params = match kind {
        "list" => list::generate(spec, templating.go).map_err(at)?,
        "clusters" => clusters::generate(spec, templating, ctx.clusters).map_err(at)?,
        "git" => git::generate(spec, templating, ctx).map_err(at)?,
        "matrix" => matrix(spec, templating, ctx)?,
        "merge" => merge(spec, templating, ctx)?,
        online if ONLINE_ONLY.contains(&online) => {
            return Err(Failure::Unsupported(format!(
                "the {online} generator needs an online service and is not supported offline"
            )));
        }
        unknown => {
            return Err(Failure::Error(format!(
                "unknown generator {unknown:?} (known: {}, {})",
                SUPPORTED.join(", "),
                ONLINE_ONLY.join(", ")
            )));
        }
    };
    match generator
        .get("selector")
        .filter(|s| !selector::is_empty(Some(s)))
    {
        Some(post) => filter_by_selector(params, post).map_err(at),
        None => Ok(params),
    }
}

fn filter_by_selector(params: Vec<Params>, post: &Value) -> Result<Vec<Params>, String> {
    let mut kept = Vec::new();
    for set in params {
        let get = |key: &str| lookup(&set, key).and_then(Value::as_str).map(str::to_owned);
        if selector::matches(post, &get)? {
            kept.push(set);
        }
    }
    Ok(kept)
}

fn matrix(
    spec: &Value,
    templating: &Templating,
    ctx: &GeneratorContext,
) -> Result<Vec<Params>, Failure> {
    let children = children(spec);
    let [first, second] = children.as_slice() else {
        return Err(Failure::Error(format!(
            "matrix generator: needs exactly 2 child generators, found {}",
            children.len()
        )));
    };
    let mut out = Vec::new();
    for a in generate(first, templating, ctx).map_err(|f| nested(f, "matrix", 0))? {
        // The second child sees the first child's parameters in its own spec.
        let second = templating
            .render_value(second, &a, &["template", "values"])
            .map_err(|e| Failure::Error(format!("matrix generator: child 2: {e}")))?;
        for b in generate(&second, templating, ctx).map_err(|f| nested(f, "matrix", 1))? {
            out.push(
                combine(&a, b, templating.go)
                    .map_err(|e| Failure::Error(format!("matrix generator: {e}")))?,
            );
        }
    }
    Ok(out)
}

fn nested(failure: Failure, parent: &str, index: usize) -> Failure {
    match failure {
        Failure::Error(e) => {
            Failure::Error(format!("{parent} generator: child {}: {e}", index + 1))
        }
        Failure::Unsupported(e) => {
            Failure::Unsupported(format!("{parent} generator: child {}: {e}", index + 1))
        }
    }
}

/// One matrix result: flat mode is a union where the same key must hold the
/// same value; Go mode is a deep merge where `a` (the first child) wins.
fn combine(a: &Params, b: Params, go_template: bool) -> Result<Params, String> {
    if go_template {
        let mut merged = Value::Object(b);
        deep_merge(&mut merged, &Value::Object(a.clone()));
        return Ok(match merged {
            Value::Object(map) => map,
            _ => Params::new(),
        });
    }
    let mut merged = a.clone();
    for (key, value) in b {
        match merged.get(&key) {
            Some(existing) if *existing != value => {
                return Err(format!(
                    "found duplicate key {key} with different value, a: {} ,b: {}",
                    existing.as_str().unwrap_or_default(),
                    value.as_str().unwrap_or_default()
                ));
            }
            _ => {
                merged.insert(key, value);
            }
        }
    }
    Ok(merged)
}

fn merge(
    spec: &Value,
    templating: &Templating,
    ctx: &GeneratorContext,
) -> Result<Vec<Params>, Failure> {
    let children = children(spec);
    let keys: Vec<String> = spec
        .get("mergeKeys")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if children.len() < 2 {
        return Err(Failure::Error(format!(
            "merge generator: needs at least 2 child generators, found {}",
            children.len()
        )));
    }
    if keys.is_empty() {
        return Err(Failure::Error(
            "merge generator: needs at least one mergeKeys entry".into(),
        ));
    }
    let mut base: Vec<(String, Params)> = Vec::new();
    for (index, child) in children.iter().enumerate() {
        let sets = generate(child, templating, ctx).map_err(|f| nested(f, "merge", index))?;
        let mut keyed: Vec<(String, Params)> = Vec::new();
        for set in sets {
            let key = merge_key(&set, &keys);
            if keyed.iter().any(|(k, _)| *k == key) {
                return Err(Failure::Error(format!(
                    "merge generator: child {}: duplicate key {key} for mergeKeys {keys:?}",
                    index + 1
                )));
            }
            keyed.push((key, set));
        }
        if index == 0 {
            base = keyed;
            continue;
        }
        for (key, set) in keyed {
            // Sets that match no base set are dropped.
            if let Some((_, existing)) = base.iter_mut().find(|(k, _)| *k == key) {
                if templating.go {
                    let mut merged = Value::Object(std::mem::take(existing));
                    deep_merge(&mut merged, &Value::Object(set));
                    if let Value::Object(map) = merged {
                        *existing = map;
                    }
                } else {
                    existing.extend(set);
                }
            }
        }
    }
    Ok(base.into_iter().map(|(_, set)| set).collect())
}

/// The JSON of a set's merge-key values, as Argo CD keys merge sets.
fn merge_key(set: &Params, keys: &[String]) -> String {
    let values: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.clone(), lookup(set, k).cloned().unwrap_or(Value::Null)))
        .collect();
    Value::Object(values).to_string()
}
