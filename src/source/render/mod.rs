//! Rendering an application's source into Kubernetes objects, with the tool
//! chosen as Argo CD chooses it: an explicit `kustomize:` / `helm:` /
//! `directory:` block wins; otherwise a kustomization file means Kustomize, a
//! `Chart.yaml` means Helm, and anything else is a plain directory.

mod deps;
mod helm;
mod kustomize;
mod kustomize_edit;
mod objects;
mod plain;
mod tool;
mod workspace;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::ApplicationSource;
use crate::source::RenderedObject;
use crate::source::safe_path::{self, PathError};

pub use deps::{CheckoutFiles, RepoFiles, dependencies, is_remote};
pub use objects::is_cluster_scoped;
pub use tool::{KustomizeTool, RenderOptions, find_on_path};

/// File names that make a directory a Kustomize application.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What to render: the application's source, read from an exported checkout.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderRequest {
    /// Root of the exported commit (see `Repo::export`); never modified.
    pub checkout: PathBuf,
    pub app: AppRender,
}

/// The application-side inputs of a render (everything but the files).
#[derive(Debug, Clone, PartialEq)]
pub struct AppRender {
    pub app_name: String,
    pub source: ApplicationSource,
    /// The destination namespace, written into namespaced objects lacking one.
    pub namespace: String,
}

/// The tool that renders an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Directory,
    Kustomize,
    Helm,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render application {app}: {cause}")]
pub struct RenderError {
    pub app: String,
    pub cause: RenderCause,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderCause {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("path {0:?} does not exist in the repository")]
    MissingPath(String),
    #[error("{file}:{line}: {message}")]
    Yaml {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{tool} failed: {stderr}")]
    Tool { tool: String, stderr: String },
    #[error("{tool} not found: {hint}")]
    ToolMissing {
        tool: &'static str,
        hint: &'static str,
    },
    #[error("{tool} did not finish within {seconds} s and was stopped")]
    Timeout { tool: String, seconds: u64 },
    #[error("multiple application sources defined: {0}")]
    MultipleTools(String),
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Git(#[from] crate::source::git::GitError),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl RenderCause {
    pub(crate) fn io(path: &Path, e: &std::io::Error) -> Self {
        RenderCause::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// Renders the application into objects, each with its repository-relative
/// source file; namespaced objects without a namespace get the destination's.
pub fn render(
    req: &RenderRequest,
    opts: &RenderOptions,
) -> Result<Vec<RenderedObject>, RenderError> {
    render_objects(req, opts).map_err(|cause| RenderError {
        app: req.app.app_name.clone(),
        cause,
    })
}

fn render_objects(
    req: &RenderRequest,
    opts: &RenderOptions,
) -> Result<Vec<RenderedObject>, RenderCause> {
    let source = &req.app.source;
    if source.chart.as_deref().is_some_and(|c| !c.is_empty()) {
        return Err(RenderCause::Unsupported(
            "charts from Helm repositories (spec.source.chart) are not rendered; point the source at a chart directory in Git".into(),
        ));
    }
    if source.plugin.is_some() {
        return Err(RenderCause::Unsupported(
            "config management plugins are not run by plumb".into(),
        ));
    }
    let app_path = app_path(req)?;
    let app_dir = req.checkout.join(&app_path);
    if !app_dir.is_dir() {
        return Err(RenderCause::MissingPath(
            source.path.clone().unwrap_or_default(),
        ));
    }
    let kind = source_kind(source, &|name| app_dir.join(name).is_file())?;
    for path in dependencies(&CheckoutFiles(&req.checkout), &app_path, source, kind)? {
        let absolute = req.checkout.join(&path);
        safe_path::ensure_inside(&req.checkout, &absolute, &path)?;
        if absolute.is_dir() {
            safe_path::check_symlinks(&req.checkout, &absolute)?;
        }
    }
    let mut rendered = match kind {
        SourceKind::Directory => plain::render(req, &app_path)?,
        SourceKind::Kustomize => kustomize::render(req, &app_path, opts)?,
        SourceKind::Helm => helm::render(req, &app_path, opts)?,
    };
    for item in &mut rendered {
        objects::fill_namespace(&mut item.object, &req.app.namespace);
    }
    Ok(rendered)
}

/// The application's path, repository-relative and checked to stay inside.
pub fn app_path(req: &RenderRequest) -> Result<String, RenderCause> {
    let path = req.app.source.path.as_deref().unwrap_or(".");
    let relative = safe_path::repo_relative("", path)?;
    safe_path::ensure_inside(&req.checkout, &req.checkout.join(&relative), path)?;
    Ok(relative)
}

/// The tool for a source; `has_file` tells whether the app directory holds a
/// file of that name.
pub fn source_kind(
    source: &ApplicationSource,
    has_file: &dyn Fn(&str) -> bool,
) -> Result<SourceKind, RenderCause> {
    let mut explicit = Vec::new();
    if source.kustomize.is_some() {
        explicit.push(("Kustomize", SourceKind::Kustomize));
    }
    if source.helm.is_some() {
        explicit.push(("Helm", SourceKind::Helm));
    }
    if source.directory.is_some() {
        explicit.push(("Directory", SourceKind::Directory));
    }
    match explicit.as_slice() {
        [(_, kind)] => return Ok(*kind),
        [] => {}
        many => {
            let names: Vec<&str> = many.iter().map(|(name, _)| *name).collect();
            return Err(RenderCause::MultipleTools(names.join(",")));
        }
    }
    Ok(detect_kind(has_file))
}

/// Detection from the files alone (Kustomize before Helm, as Argo CD does).
pub fn detect_kind(has_file: &dyn Fn(&str) -> bool) -> SourceKind {
    if KUSTOMIZATION_FILES.iter().any(|name| has_file(name)) {
        SourceKind::Kustomize
    } else if has_file("Chart.yaml") {
        SourceKind::Helm
    } else {
        SourceKind::Directory
    }
}

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Timeout used when the settings give none.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(90);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DirectorySource, HelmSource, KustomizeSource};

    #[test]
    fn detection_and_explicit_blocks_follow_argo() {
        let files = |names: &'static [&'static str]| move |name: &str| names.contains(&name);
        let mut source = ApplicationSource::default();
        assert_eq!(
            source_kind(&source, &files(&["Chart.yaml", "kustomization.yml"])).ok(),
            Some(SourceKind::Kustomize)
        );
        assert_eq!(
            source_kind(&source, &files(&["Chart.yaml"])).ok(),
            Some(SourceKind::Helm)
        );
        assert_eq!(
            source_kind(&source, &files(&["a.yaml"])).ok(),
            Some(SourceKind::Directory)
        );
        source.directory = Some(DirectorySource::default());
        assert_eq!(
            source_kind(&source, &files(&["Kustomization"])).ok(),
            Some(SourceKind::Directory)
        );
        source.directory = None;
        source.helm = Some(HelmSource::default());
        assert_eq!(
            source_kind(&source, &files(&["kustomization.yaml"])).ok(),
            Some(SourceKind::Helm)
        );
        source.kustomize = Some(KustomizeSource::default());
        let err = source_kind(&source, &files(&[])).expect_err("two tools");
        assert_eq!(
            err.to_string(),
            "multiple application sources defined: Kustomize,Helm"
        );
    }
}
