//! From the template and one parameter set to a validated Application.

use serde_json::{Value, json};

use super::params::{Params, deep_merge, lookup};
use super::template::Templating;
use crate::model::{Application, ApplicationSet, Manifest, manifest_from_object};

pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";

/// Why one parameter set gave no Application.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildError {
    /// Templating failed (Argo CD generates no Application at all then).
    Render(String),
    /// The rendered Application is not valid (only this one is skipped).
    Invalid(String),
}

/// Renders `template` with `params`, applies `templatePatch`, adds the
/// resources finalizer and validates the result with the manifest loader.
pub fn build_app(
    appset: &ApplicationSet,
    template: &Value,
    params: &Params,
    templating: &Templating,
) -> Result<Application, BuildError> {
    let mut rendered = templating
        .render_value(template, params, &[])
        .map_err(|e| BuildError::Render(format!("template.{e}")))?;
    if let Some(patch) = &appset.spec.template_patch {
        let text = templating
            .render_str(patch, params)
            .map_err(|e| BuildError::Render(format!("templatePatch: {e}")))?;
        let patch: Value = serde_yaml::from_str(&text).map_err(|e| {
            BuildError::Render(format!("templatePatch does not render to YAML: {e}"))
        })?;
        if !patch.is_null() {
            deep_merge(&mut rendered, &patch);
        }
    }
    let mut object = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": rendered.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "spec": rendered.get("spec").cloned().unwrap_or_else(|| json!({})),
    });
    complete_metadata(&mut object, appset);
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let (manifest, diagnostics) = manifest_from_object("", object);
    let mut problems: Vec<String> = Vec::new();
    // The loader stops at the first type error, before it checks the name.
    if manifest.is_none() && !is_dns1123_subdomain(&name) {
        problems.push(format!(
            "metadata.name: {name:?} is not a valid name (lowercase letters, digits, '-' and '.')"
        ));
    }
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        let problem = match &d.field {
            Some(field) => format!("{field}: {}", d.message),
            None => d.message.clone(),
        };
        if !problem.starts_with("metadata.name:") || problems.is_empty() {
            problems.push(problem);
        }
    }
    match manifest {
        Some(Manifest::Application(app)) if problems.is_empty() => Ok(app),
        _ => {
            let mut message = format!(
                "generated Application {name:?} is invalid: {}",
                problems.join("; ")
            );
            let hints = single_brace_hints(template, params, templating.go);
            if !hints.is_empty() {
                message.push_str(&format!(
                    "; hint: Argo CD substitutes only {{{{param}}}}, never {{param}}: {}",
                    hints.join(" ")
                ));
            }
            Err(BuildError::Invalid(message))
        }
    }
}

/// Namespace from the ApplicationSet when the template has none, and the
/// resources finalizer unless the template sets finalizers or the
/// ApplicationSet preserves resources on deletion.
fn complete_metadata(object: &mut Value, appset: &ApplicationSet) {
    let preserve = appset
        .spec
        .sync_policy
        .as_ref()
        .is_some_and(|p| p.preserve_resources_on_deletion);
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let namespace_missing = metadata
        .get("namespace")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    if namespace_missing
        && let Some(ns) = appset
            .metadata
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
    {
        metadata.insert("namespace".into(), ns.into());
    }
    let has_finalizers = metadata
        .get("finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if !has_finalizers && !preserve {
        metadata.insert("finalizers".into(), json!([RESOURCES_FINALIZER]));
    }
}

/// `{env}` placeholders (single braces, which neither templating mode
/// substitutes) naming an existing parameter: "did you mean {{env}}?".
fn single_brace_hints(template: &Value, params: &Params, go_template: bool) -> Vec<String> {
    let mut strings = Vec::new();
    collect_strings(template, &mut strings);
    let mut hints: Vec<String> = Vec::new();
    for text in strings {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(open) = text[i..].find('{').map(|o| o + i) {
            let Some(close) = text[open + 1..].find('}').map(|c| c + open + 1) else {
                break;
            };
            let inner = &text[open + 1..close];
            let doubled =
                (open > 0 && bytes[open - 1] == b'{') || bytes.get(open + 1) == Some(&b'{');
            let identifier = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '[' | ']'));
            if !doubled && identifier && lookup(params, inner).is_some() {
                let hint = if go_template {
                    format!("did you mean {{{{.{inner}}}}}?")
                } else {
                    format!("did you mean {{{{{inner}}}}}?")
                };
                if !hints.contains(&hint) {
                    hints.push(hint);
                }
            }
            i = close + 1;
        }
    }
    hints
}

fn is_dns1123_subdomain(name: &str) -> bool {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let alnum_ends =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !name.is_empty()
        && name.len() <= 253
        && valid_chars
        && alnum_ends(name.chars().next())
        && alnum_ends(name.chars().last())
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
