//! Helm applications: `helm template` with Argo CD's arguments, in Argo CD's
//! order; each object's source file from helm's `# Source:` comments.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::tool::{self, ToolRun};
use super::workspace::Workspace;
use super::{RenderCause, RenderOptions, RenderRequest, objects};
use crate::model::HelmSource;
use crate::source::RenderedObject;
use crate::source::safe_path;

pub(super) fn render(
    req: &RenderRequest,
    app_path: &str,
    opts: &RenderOptions,
) -> Result<Vec<RenderedObject>, RenderCause> {
    let helm = opts.helm.as_deref().ok_or(RenderCause::ToolMissing {
        tool: "helm",
        hint: "helm is not on PATH",
    })?;
    let chart_file = join(app_path, "Chart.yaml");
    let chart_text = std::fs::read_to_string(req.checkout.join(&chart_file))
        .map_err(|_| RenderCause::MissingPath(chart_file.clone()))?;
    let chart: Value = serde_yaml::from_str(&chart_text).map_err(|e| RenderCause::Yaml {
        file: chart_file.clone(),
        line: e.location().map(|l| l.line()).unwrap_or(1),
        message: e.to_string(),
    })?;
    let env = helm_env(opts);

    // Missing dependencies are built in a private copy, never in the export.
    let workspace = if missing_dependencies(&req.checkout.join(app_path), &chart) {
        let workspace = Workspace::copy_of(&req.checkout, &opts.scratch_dir)?;
        let chart_dir = workspace.root().join(app_path);
        workspace.detach(&chart_dir)?;
        for url in dependency_repositories(&chart) {
            tool::run(ToolRun {
                label: format!(
                    "helm repo add {url} (for Chart.yaml dependencies missing from charts/)"
                ),
                program: helm,
                args: vec![
                    "repo".into(),
                    "add".into(),
                    "--force-update".into(),
                    repository_name(&url).into(),
                    url.into(),
                ],
                cwd: &chart_dir,
                repo_root: workspace.root(),
                env: env.clone(),
                timeout: opts.timeout,
            })?;
        }
        tool::run(ToolRun {
            label: "helm dependency build (Chart.yaml lists dependencies missing from charts/)"
                .into(),
            program: helm,
            args: vec!["dependency".into(), "build".into()],
            cwd: &chart_dir,
            repo_root: workspace.root(),
            env: env.clone(),
            timeout: opts.timeout,
        })?;
        Some(workspace)
    } else {
        None
    };
    let root = workspace
        .as_ref()
        .map_or(req.checkout.as_path(), |w| w.root());
    let chart_dir = root.join(app_path);

    let spec = req.app.source.helm.clone().unwrap_or_default();
    let inline = inline_values(&spec, opts)?;
    let args = template_args(
        req,
        app_path,
        root,
        &spec,
        inline.as_ref().map(|f| f.0.as_path()),
    )?;
    let output = tool::run(ToolRun {
        label: "helm template".into(),
        program: helm,
        args,
        cwd: &chart_dir,
        repo_root: root,
        env,
        timeout: opts.timeout,
    })?;
    drop(inline);
    split_sources(&output, app_path)
}

fn template_args(
    req: &RenderRequest,
    app_path: &str,
    root: &Path,
    spec: &HelmSource,
    inline: Option<&Path>,
) -> Result<Vec<OsString>, RenderCause> {
    let release = spec
        .release_name
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(&req.app.app_name);
    let namespace = spec
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(&req.app.namespace);
    let mut args: Vec<OsString> = vec![
        "template".into(),
        ".".into(),
        "--name-template".into(),
        release.into(),
    ];
    if !namespace.is_empty() {
        args.extend(["--namespace".into(), namespace.into()]);
    }
    if let Some(kube_version) = spec.kube_version.as_deref().filter(|v| !v.is_empty()) {
        args.extend(["--kube-version".into(), kube_version.into()]);
    }
    let mut set = BTreeMap::new();
    let mut set_string = BTreeMap::new();
    for parameter in &spec.parameters {
        let target = if parameter.force_string {
            &mut set_string
        } else {
            &mut set
        };
        target.insert(parameter.name.as_str(), escape_set_value(&parameter.value));
    }
    for (flag, values) in [("--set", &set), ("--set-string", &set_string)] {
        for (name, value) in values {
            args.extend([flag.into(), format!("{name}={value}").into()]);
        }
    }
    for parameter in &spec.file_parameters {
        let path = safe_path::resolve(root, app_path, &parameter.path)?;
        if !path.is_file() {
            return Err(RenderCause::MissingPath(safe_path::repo_relative(
                app_path,
                &parameter.path,
            )?));
        }
        let mut arg = OsString::from(format!("{}=", parameter.name));
        arg.push(path.as_os_str());
        args.extend(["--set-file".into(), arg]);
    }
    for value_file in &spec.value_files {
        if value_file.starts_with("http://") || value_file.starts_with("https://") {
            args.extend(["--values".into(), value_file.into()]);
            continue;
        }
        if value_file.starts_with('$') {
            return Err(RenderCause::Unsupported(format!(
                "value file {value_file:?}: multi-source $ref value files are not supported"
            )));
        }
        let path = safe_path::resolve(root, app_path, value_file)?;
        if !path.is_file() {
            if spec.ignore_missing_value_files {
                continue;
            }
            let shown = safe_path::repo_relative(app_path, value_file)?;
            return Err(RenderCause::MissingPath(format!(
                "{shown} (helm valueFiles)"
            )));
        }
        args.extend(["--values".into(), path.into_os_string()]);
    }
    if let Some(inline) = inline {
        args.extend(["--values".into(), inline.as_os_str().to_owned()]);
    }
    for api_version in &spec.api_versions {
        args.extend(["--api-versions".into(), api_version.into()]);
    }
    if !spec.skip_crds {
        args.push("--include-crds".into());
    }
    if spec.skip_schema_validation {
        args.push("--skip-schema-validation".into());
    }
    if spec.skip_tests {
        args.push("--skip-tests".into());
    }
    Ok(args)
}

/// Commas separate values in `--set`; Argo CD escapes them unless the value is
/// a `{a,b}` list.
fn escape_set_value(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_owned();
    }
    let mut out = String::new();
    let mut previous = None;
    for c in value.chars() {
        if c == ',' && previous != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// A temporary file holding `valuesObject` (or else `values`), removed on drop.
struct InlineValues(PathBuf);

impl Drop for InlineValues {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn inline_values(
    spec: &HelmSource,
    opts: &RenderOptions,
) -> Result<Option<InlineValues>, RenderCause> {
    let text = match (&spec.values_object, spec.values.as_deref()) {
        (Some(object), _) if !object.is_null() => serde_yaml::to_string(object)
            .map_err(|e| RenderCause::Unsupported(format!("helm valuesObject: {e}")))?,
        (_, Some(values)) if !values.trim().is_empty() => values.to_owned(),
        _ => return Ok(None),
    };
    std::fs::create_dir_all(&opts.scratch_dir)
        .map_err(|e| RenderCause::io(&opts.scratch_dir, &e))?;
    let path = opts
        .scratch_dir
        .join(format!("values-{}.yaml", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).map_err(|e| RenderCause::io(&path, &e))?;
    Ok(Some(InlineValues(path)))
}

/// Whether Chart.yaml lists a dependency with nothing for it in charts/.
fn missing_dependencies(chart_dir: &Path, chart: &Value) -> bool {
    let Some(dependencies) = chart.get("dependencies").and_then(Value::as_sequence) else {
        return false;
    };
    let present: Vec<String> = std::fs::read_dir(chart_dir.join("charts"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    dependencies.iter().any(|dependency| {
        let name = dependency.get("name").and_then(Value::as_str).unwrap_or("");
        !present.iter().any(|entry| {
            entry == name || (entry.starts_with(&format!("{name}-")) && entry.ends_with(".tgz"))
        })
    })
}

/// The http(s) repositories Chart.yaml's dependencies come from.
fn dependency_repositories(chart: &Value) -> Vec<String> {
    let mut urls: Vec<String> = chart
        .get("dependencies")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("repository").and_then(Value::as_str))
        .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
        .map(str::to_owned)
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// A stable local name for a repository URL.
fn repository_name(url: &str) -> String {
    let digest = crate::source::git::hex_sha256(url.as_bytes());
    format!("plumb-{}", &digest[..12])
}

fn helm_env(opts: &RenderOptions) -> Vec<(OsString, OsString)> {
    [
        ("HELM_CACHE_HOME", "cache"),
        ("HELM_CONFIG_HOME", "config"),
        ("HELM_DATA_HOME", "data"),
    ]
    .into_iter()
    .filter(|(var, _)| std::env::var_os(var).is_none())
    .map(|(var, dir)| {
        (
            OsString::from(var),
            opts.helm_home.join(dir).into_os_string(),
        )
    })
    .collect()
}

/// Splits helm's output at `---` lines; `# Source: <chart>/<file>` names the
/// file, re-rooted at the chart's repository path.
fn split_sources(output: &str, app_path: &str) -> Result<Vec<RenderedObject>, RenderCause> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    let mut chunk_start = 1;
    let lines: Vec<&str> = output.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let is_last = index + 1 == lines.len();
        if *line != "---" {
            chunk.push_str(line);
            chunk.push('\n');
        }
        if *line == "---" || is_last {
            push_chunk(&chunk, chunk_start, app_path, &mut out)?;
            chunk.clear();
            chunk_start = index + 2;
        }
    }
    Ok(out)
}

fn push_chunk(
    chunk: &str,
    start: usize,
    app_path: &str,
    out: &mut Vec<RenderedObject>,
) -> Result<(), RenderCause> {
    let source = chunk
        .lines()
        .find_map(|l| l.strip_prefix("# Source: "))
        .map(|s| match s.split_once('/') {
            Some((_, rest)) => join(app_path, rest),
            None => join(app_path, s),
        });
    let file = source
        .clone()
        .unwrap_or_else(|| format!("helm template {app_path}"));
    for object in objects::parse_documents(chunk, &file, start)? {
        out.push(RenderedObject {
            object,
            source_file: source
                .clone()
                .unwrap_or_else(|| join(app_path, "Chart.yaml")),
        });
    }
    Ok(())
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_escape_commas_like_argo() {
        assert_eq!(escape_set_value("a,b"), "a\\,b");
        assert_eq!(escape_set_value("a\\,b"), "a\\,b");
        assert_eq!(escape_set_value("{a,b}"), "{a,b}");
    }
}
