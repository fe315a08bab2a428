//! Every repository path a render reads: the app path plus what Kustomize
//! (resources, bases, components, patches, generator files, recursively) and
//! Helm (value files, file parameters, `file://` dependencies) pull in.
//! Used to refuse escapes before rendering and to key the render cache.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::{KUSTOMIZATION_FILES, RenderCause, SourceKind};
use crate::model::ApplicationSource;
use crate::source::safe_path::repo_relative;

/// Read access to one commit's files, by repository-relative path.
pub trait RepoFiles {
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    fn is_dir(&self, path: &str) -> bool;
}

/// Repository-relative paths the render of `source` at `app_path` reads.
pub fn dependencies(
    files: &dyn RepoFiles,
    app_path: &str,
    source: &ApplicationSource,
    kind: SourceKind,
) -> Result<BTreeSet<String>, RenderCause> {
    let mut found = BTreeSet::from([app_path.to_owned()]);
    match kind {
        SourceKind::Directory => {}
        SourceKind::Kustomize => {
            kustomize_dir(files, app_path, &mut found)?;
            if let Some(spec) = &source.kustomize {
                let paths = spec.patches.iter().filter_map(|p| p.path.as_deref());
                for path in paths.chain(spec.components.iter().map(String::as_str)) {
                    local_ref(files, app_path, path, &mut found)?;
                }
            }
        }
        SourceKind::Helm => {
            chart_dependencies(files, app_path, &mut found)?;
            if let Some(helm) = &source.helm {
                for value_file in helm.value_files.iter().filter(|v| !is_remote(v)) {
                    found.insert(repo_relative(app_path, value_file)?);
                }
                for parameter in &helm.file_parameters {
                    found.insert(repo_relative(app_path, &parameter.path)?);
                }
            }
        }
    }
    Ok(found)
}

/// Whether `dir` holds a kustomization file, and its text.
pub fn kustomization_text(files: &dyn RepoFiles, dir: &str) -> Option<String> {
    KUSTOMIZATION_FILES.iter().find_map(|name| {
        let bytes = files.read(&join(dir, name))?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    })
}

fn kustomize_dir(
    files: &dyn RepoFiles,
    dir: &str,
    found: &mut BTreeSet<String>,
) -> Result<(), RenderCause> {
    let Some(text) = kustomization_text(files, dir) else {
        return Ok(());
    };
    let Ok(kustomization) = serde_yaml::from_str::<Value>(&text) else {
        return Ok(()); // kustomize reports the syntax error itself
    };
    for reference in kustomize_refs(&kustomization) {
        local_ref(files, dir, &reference, found)?;
    }
    Ok(())
}

fn local_ref(
    files: &dyn RepoFiles,
    base: &str,
    reference: &str,
    found: &mut BTreeSet<String>,
) -> Result<(), RenderCause> {
    let path = repo_relative(base, reference)?;
    if found.insert(path.clone()) && files.is_dir(&path) {
        kustomize_dir(files, &path, found)?;
    }
    Ok(())
}

/// Local file and directory references of a kustomization.
fn kustomize_refs(k: &Value) -> Vec<String> {
    let mut refs = Vec::new();
    let mut strings = |value: Option<&Value>| {
        for item in value.and_then(Value::as_sequence).into_iter().flatten() {
            if let Some(text) = item.as_str() {
                refs.push(text.to_owned());
            } else if let Some(path) = item.get("path").and_then(Value::as_str) {
                refs.push(path.to_owned());
            }
        }
    };
    for key in [
        "resources",
        "bases",
        "components",
        "crds",
        "generators",
        "transformers",
        "validators",
        "patches",
        "patchesJson6902",
        "replacements",
        "configurations",
    ] {
        strings(k.get(key));
    }
    if let Some(patches) = k.get("patchesStrategicMerge").and_then(Value::as_sequence) {
        // Entries are file paths or inline patches; only paths are one line.
        refs.extend(
            patches
                .iter()
                .filter_map(Value::as_str)
                .filter(|p| !p.contains('\n'))
                .map(str::to_owned),
        );
    }
    for generator in ["configMapGenerator", "secretGenerator"] {
        for item in k
            .get(generator)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let files_list = item
                .get("files")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten();
            let envs = item
                .get("envs")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten();
            for entry in files_list.chain(envs).filter_map(Value::as_str) {
                let path = entry.split_once('=').map_or(entry, |(_, p)| p);
                refs.push(path.to_owned());
            }
            if let Some(env) = item.get("env").and_then(Value::as_str) {
                refs.push(env.to_owned());
            }
        }
    }
    if let Some(path) = k
        .get("openapi")
        .and_then(|o| o.get("path"))
        .and_then(Value::as_str)
    {
        refs.push(path.to_owned());
    }
    refs.retain(|r| !r.trim().is_empty() && !r.contains('\n') && !is_remote(r));
    refs
}

fn chart_dependencies(
    files: &dyn RepoFiles,
    chart_dir: &str,
    found: &mut BTreeSet<String>,
) -> Result<(), RenderCause> {
    let Some(bytes) = files.read(&join(chart_dir, "Chart.yaml")) else {
        return Ok(());
    };
    let Ok(chart) = serde_yaml::from_slice::<Value>(&bytes) else {
        return Ok(());
    };
    for dependency in chart
        .get("dependencies")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let repository = dependency
            .get("repository")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some(local) = repository.strip_prefix("file://") {
            let path = repo_relative(chart_dir, local)?;
            if found.insert(path.clone()) {
                chart_dependencies(files, &path, found)?;
            }
        }
    }
    Ok(())
}

/// URLs, git references and `$ref/...` values are not repository paths.
pub fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("git@")
        || reference.starts_with("github.com/")
        || reference.starts_with('$')
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Files of an exported checkout on disk.
pub struct CheckoutFiles<'a>(pub &'a std::path::Path);

impl RepoFiles for CheckoutFiles<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(path)).ok()
    }
    fn is_dir(&self, path: &str) -> bool {
        self.0.join(path).is_dir()
    }
}
