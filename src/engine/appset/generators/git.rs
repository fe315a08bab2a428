//! The git generator: directories (one parameter set per matching folder)
//! and files (one per object in each matching JSON/YAML file), read from an
//! exported checkout of the repository at the revision.

use std::fs;
use std::path::Path;

use serde_json::{Map, Value};

use super::clusters::insert_values;
use crate::engine::appset::GeneratorContext;
use crate::engine::appset::glob::{file_match, path_match};
use crate::engine::appset::params::{Params, add_path_params, basename, flatten_into};
use crate::engine::appset::template::Templating;

pub fn generate(
    spec: &Value,
    templating: &Templating,
    ctx: &GeneratorContext,
) -> Result<Vec<Params>, String> {
    let repo = spec
        .get("repoURL")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or("git generator needs repoURL")?;
    let revision = spec.get("revision").and_then(Value::as_str).unwrap_or("");
    let revision = if revision.is_empty() {
        "HEAD"
    } else {
        revision
    };
    let prefix = spec
        .get("pathParamPrefix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let directories = spec.get("directories").and_then(Value::as_array);
    let files = spec.get("files").and_then(Value::as_array);
    if directories.is_none() && files.is_none() {
        return Err("git generator needs directories or files".into());
    }
    let checkout = (ctx.repo_dir)(repo, revision)
        .map_err(|e| format!("cannot read {repo} at {revision}: {e}"))?;
    let (mut all_dirs, mut all_files) = (Vec::new(), Vec::new());
    walk(&checkout, "", &mut all_dirs, &mut all_files);
    let mut out = Vec::new();
    if let Some(rules) = directories {
        let (include, exclude) = split_rules(rules)?;
        for dir in &all_dirs {
            let hidden = basename(dir).starts_with('.');
            if hidden
                || !include.iter().any(|p| path_match(p, dir))
                || exclude.iter().any(|p| path_match(p, dir))
            {
                continue;
            }
            let mut params = Params::new();
            add_path_params(&mut params, dir, None, prefix, templating.go);
            out.push(params);
        }
    }
    if let Some(rules) = files {
        let (include, exclude) = split_rules(rules)?;
        for file in &all_files {
            if !include.iter().any(|p| file_match(p, file))
                || exclude.iter().any(|p| file_match(p, file))
            {
                continue;
            }
            out.extend(file_params(&checkout, file, prefix, templating.go)?);
        }
    }
    if let Some(Value::Object(values)) = spec.get("values") {
        for params in &mut out {
            let mut rendered = Map::new();
            for (key, template) in values {
                let text = template
                    .as_str()
                    .ok_or_else(|| format!("values.{key} must be a string"))?;
                let value = templating
                    .render_str(text, params)
                    .map_err(|e| format!("values.{key}: {e}"))?;
                rendered.insert(key.clone(), value.into());
            }
            insert_values(params, rendered, templating.go);
        }
    }
    Ok(out)
}

/// (include globs, exclude globs) of `directories` or `files`.
fn split_rules(rules: &[Value]) -> Result<(Vec<String>, Vec<String>), String> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let path = rule
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("entry {i} has no path"))?
            .trim_start_matches("./")
            .to_owned();
        if rule.get("exclude").and_then(Value::as_bool) == Some(true) {
            exclude.push(path);
        } else {
            include.push(path);
        }
    }
    Ok((include, exclude))
}

/// Every directory and file under `dir` (relative, sorted), without `.git`.
fn walk(root: &Path, rel: &str, dirs: &mut Vec<String>, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && name != ".git" {
            dirs.push(path.clone());
            walk(root, &path, dirs, files);
        } else if kind.is_file() {
            files.push(path);
        }
    }
}

fn file_params(
    checkout: &Path,
    file: &str,
    prefix: &str,
    go_template: bool,
) -> Result<Vec<Params>, String> {
    let text =
        fs::read_to_string(checkout.join(file)).map_err(|e| format!("cannot read {file}: {e}"))?;
    let parsed: Value = serde_json::from_str(&text)
        .or_else(|_| serde_yaml::from_str(&text))
        .map_err(|e| format!("{file} is neither JSON nor YAML: {e}"))?;
    let objects = match parsed {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        object => vec![object],
    };
    let (dir, filename) = match file.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", file),
    };
    objects
        .into_iter()
        .map(|object| {
            let Value::Object(map) = object else {
                return Err(format!("{file} must hold an object or a list of objects"));
            };
            let mut params = if go_template {
                map
            } else {
                let mut flat = Params::new();
                flatten_into("", &Value::Object(map), &mut flat);
                flat
            };
            add_path_params(&mut params, dir, Some(filename), prefix, go_template);
            Ok(params)
        })
        .collect()
}
