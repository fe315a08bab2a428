//! The edits Argo CD makes to an app's kustomization before building it
//! (`kustomize edit set nameprefix`, `edit add label`, `edit set image`, ...),
//! done on the parsed YAML, plus the `originAnnotations` build option plumb
//! uses to learn each object's source file.

use serde_yaml::{Mapping, Value};

use super::RenderCause;
use crate::model::KustomizeSource;

/// Values for `$VAR` / `${VAR}` in annotation values and images, as Argo
/// CD's build environment defines them.
pub(super) struct BuildEnv(pub Vec<(String, String)>);

impl BuildEnv {
    /// Argo CD's expansion: `$$` is a literal `$`, unknown variables are empty.
    pub(super) fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, consumed) = if let Some(stripped) = after.strip_prefix('{') {
                match stripped.find('}') {
                    Some(end) => (&stripped[..end], end + 2),
                    None => ("", 0),
                }
            } else if after.starts_with('$') {
                ("$", 1)
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if consumed == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            if name == "$" {
                out.push('$');
            } else if let Some((_, value)) = self.0.iter().find(|(k, _)| k == name) {
                out.push_str(value);
            }
            rest = &after[consumed..];
        }
        out.push_str(rest);
        out
    }
}

/// Applies the Application's kustomize overrides in Argo CD's order.
pub(super) fn apply_overrides(
    k: &mut Mapping,
    spec: &KustomizeSource,
    env: &BuildEnv,
) -> Result<(), RenderCause> {
    if let Some(prefix) = spec.name_prefix.as_deref().filter(|p| !p.is_empty()) {
        k.insert("namePrefix".into(), prefix.into());
    }
    if let Some(suffix) = spec.name_suffix.as_deref().filter(|s| !s.is_empty()) {
        k.insert("nameSuffix".into(), suffix.into());
    }
    for image in &spec.images {
        set_image(k, &env.substitute(image));
    }
    for replica in &spec.replicas {
        let count = match &replica.count {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| {
            RenderCause::Unsupported(format!(
                "kustomize replicas for {:?}: count {} is not an integer",
                replica.name, replica.count
            ))
        })?;
        let entry = Value::Mapping(Mapping::from_iter([
            ("name".into(), replica.name.clone().into()),
            ("count".into(), count.into()),
        ]));
        replace_named(list(k, "replicas"), &replica.name, entry);
    }
    if !spec.common_labels.is_empty() {
        let pairs = spec
            .common_labels
            .iter()
            .map(|(key, v)| (key.clone(), v.clone()));
        if spec.label_without_selector {
            add_selectorless_labels(k, pairs, spec.label_include_templates);
        } else {
            add_pairs(
                map(k, "commonLabels"),
                pairs,
                spec.force_common_labels,
                "label",
            )?;
        }
    }
    if !spec.common_annotations.is_empty() {
        let pairs = spec.common_annotations.iter().map(|(key, v)| {
            let value = if spec.common_annotations_envsubst {
                env.substitute(v)
            } else {
                v.clone()
            };
            (key.clone(), value)
        });
        add_pairs(
            map(k, "commonAnnotations"),
            pairs,
            spec.force_common_annotations,
            "annotation",
        )?;
    }
    if let Some(namespace) = spec.namespace.as_deref().filter(|n| !n.is_empty()) {
        k.insert("namespace".into(), namespace.into());
    }
    for patch in &spec.patches {
        let value = serde_yaml::to_value(patch)
            .map_err(|e| RenderCause::Unsupported(format!("kustomize patch: {e}")))?;
        list(k, "patches").push(value);
    }
    for component in &spec.components {
        let components = list(k, "components");
        if !components.iter().any(|c| c.as_str() == Some(component)) {
            components.push(component.as_str().into());
        }
    }
    Ok(())
}

/// Asks kustomize to annotate each object with where it came from.
pub(super) fn request_origin_annotations(k: &mut Mapping) {
    let metadata = list(k, "buildMetadata");
    if !metadata
        .iter()
        .any(|m| m.as_str() == Some("originAnnotations"))
    {
        metadata.push("originAnnotations".into());
    }
}

/// `kustomize edit set image`: `name=newName:tag`, `name=newName@digest`,
/// `name:tag` or `name@digest`, merged into an existing entry of that name.
fn set_image(k: &mut Mapping, arg: &str) {
    let (name, target, renamed) = match arg.split_once('=') {
        Some((name, target)) => (name.to_owned(), target, true),
        None => (split_reference(arg).0.to_owned(), arg, false),
    };
    let (new_name, tag, digest) = split_reference(target);
    let images = list(k, "images");
    let position = images
        .iter()
        .position(|i| i.get("name").and_then(Value::as_str) == Some(name.as_str()));
    let mut entry = match position {
        Some(index) => images[index].as_mapping().cloned().unwrap_or_default(),
        None => Mapping::from_iter([("name".into(), name.clone().into())]),
    };
    if renamed && !new_name.is_empty() {
        entry.insert("newName".into(), new_name.into());
    }
    if tag.is_some() || digest.is_some() {
        entry.remove("newTag");
        entry.remove("digest");
    }
    if let Some(tag) = tag {
        entry.insert("newTag".into(), tag.into());
    }
    if let Some(digest) = digest {
        entry.insert("digest".into(), digest.into());
    }
    match position {
        Some(index) => images[index] = Value::Mapping(entry),
        None => images.push(Value::Mapping(entry)),
    }
}

/// Splits `repo/name:tag` or `repo/name@digest` into (name, tag, digest).
fn split_reference(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    if let Some((name, digest)) = reference.split_once('@') {
        return (name, None, Some(digest));
    }
    let slash = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
    match reference[slash..].rfind(':') {
        Some(colon) => (
            &reference[..slash + colon],
            Some(&reference[slash + colon + 1..]),
            None,
        ),
        None => (reference, None, None),
    }
}

fn add_pairs(
    target: &mut Mapping,
    pairs: impl Iterator<Item = (String, String)>,
    force: bool,
    what: &str,
) -> Result<(), RenderCause> {
    for (key, value) in pairs {
        if target.contains_key(key.as_str()) && !force {
            return Err(RenderCause::Tool {
                tool: format!("kustomize edit add {what}"),
                stderr: format!(
                    "{what} {key} already in kustomization file (set force{}s to override)",
                    if what == "label" {
                        "CommonLabel"
                    } else {
                        "CommonAnnotation"
                    }
                ),
            });
        }
        target.insert(key.into(), value.into());
    }
    Ok(())
}

/// `kustomize edit add label --without-selector [--include-templates]`.
fn add_selectorless_labels(
    k: &mut Mapping,
    pairs: impl Iterator<Item = (String, String)>,
    include_templates: bool,
) {
    let labels = list(k, "labels");
    let matches = |entry: &Value| {
        let flag = |name: &str| entry.get(name).and_then(Value::as_bool).unwrap_or(false);
        !flag("includeSelectors") && flag("includeTemplates") == include_templates
    };
    let index = match labels.iter().position(matches) {
        Some(index) => index,
        None => {
            let mut entry = Mapping::from_iter([("pairs".into(), Value::Mapping(Mapping::new()))]);
            if include_templates {
                entry.insert("includeTemplates".into(), true.into());
            }
            labels.push(Value::Mapping(entry));
            labels.len() - 1
        }
    };
    if let Some(Value::Mapping(entry)) = labels.get_mut(index) {
        let slot = entry
            .entry("pairs".into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if !slot.is_mapping() {
            *slot = Value::Mapping(Mapping::new());
        }
        if let Value::Mapping(pairs_map) = slot {
            for (key, value) in pairs {
                pairs_map.insert(key.into(), value.into());
            }
        }
    }
}

fn replace_named(items: &mut Vec<Value>, name: &str, entry: Value) {
    match items
        .iter()
        .position(|i| i.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(index) => items[index] = entry,
        None => items.push(entry),
    }
}

/// The sequence at `key`, created (or replacing a non-sequence) when needed.
fn list<'a>(k: &'a mut Mapping, key: &str) -> &'a mut Vec<Value> {
    let slot = k
        .entry(key.into())
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if !slot.is_sequence() {
        *slot = Value::Sequence(Vec::new());
    }
    match slot {
        Value::Sequence(items) => items,
        _ => unreachable!("the slot was just made a sequence"),
    }
}

fn map<'a>(k: &'a mut Mapping, key: &str) -> &'a mut Mapping {
    let slot = k
        .entry(key.into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    match slot {
        Value::Mapping(m) => m,
        _ => unreachable!("the slot was just made a mapping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_follow_kustomize_edit_set_image() {
        let mut k = Mapping::new();
        set_image(&mut k, "nginx:1.25");
        set_image(&mut k, "app=registry.local:5000/team/app@sha256:abc");
        set_image(&mut k, "nginx=mirror/nginx");
        let yaml = serde_yaml::to_string(&k).expect("yaml");
        assert_eq!(
            yaml,
            "images:\n- name: nginx\n  newTag: '1.25'\n  newName: mirror/nginx\n- name: app\n  newName: registry.local:5000/team/app\n  digest: sha256:abc\n"
        );
    }

    #[test]
    fn envsubst_matches_argo() {
        let env = BuildEnv(vec![("ARGOCD_APP_NAME".into(), "web".into())]);
        assert_eq!(
            env.substitute("${ARGOCD_APP_NAME}-$ARGOCD_APP_NAME $UNKNOWN$$x"),
            "web-web $x"
        );
    }

    #[test]
    fn labels_refuse_existing_keys_without_force() {
        let mut k: Mapping = serde_yaml::from_str("commonLabels: {team: a}").expect("yaml");
        let mut spec = KustomizeSource::default();
        spec.common_labels.insert("team".into(), "b".into());
        let env = BuildEnv(Vec::new());
        assert!(apply_overrides(&mut k, &spec, &env).is_err());
        spec.force_common_labels = true;
        apply_overrides(&mut k, &spec, &env).expect("forced");
        assert_eq!(k["commonLabels"]["team"], Value::from("b"));
    }
}
