//! Kustomize applications: the app's kustomization is edited like Argo CD
//! edits it (in a private copy of the checkout), built with `kustomize build`
//! (or `kubectl kustomize`), and each object's source file taken from the
//! `config.kubernetes.io/origin` annotation, which is then removed.

use std::ffi::OsString;

use serde_yaml::{Mapping, Value};

use super::kustomize_edit::{self, BuildEnv};
use super::tool::{self, ToolRun};
use super::workspace::Workspace;
use super::{
    CheckoutFiles, KustomizeTool, RenderCause, RenderOptions, RenderRequest, SourceKind,
    dependencies, kustomization_file, objects,
};
use crate::model::Object;
use crate::source::RenderedObject;
use crate::source::safe_path::repo_relative;

const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

pub(super) fn render(
    req: &RenderRequest,
    app_path: &str,
    opts: &RenderOptions,
) -> Result<Vec<RenderedObject>, RenderCause> {
    let (program, subcommand) = match &opts.kustomize {
        Some(KustomizeTool::Standalone(path)) => (path, "build"),
        Some(KustomizeTool::Kubectl(path)) => (path, "kustomize"),
        None => {
            return Err(RenderCause::ToolMissing {
                tool: "kustomize",
                hint: "neither kustomize nor kubectl is on PATH",
            });
        }
    };
    let closure = dependencies(
        &CheckoutFiles(&req.checkout),
        app_path,
        &req.app.source,
        SourceKind::Kustomize,
    )?;
    let workspace = Workspace::copy_of_paths(&req.checkout, &opts.scratch_dir, &closure)?;
    let dir = workspace.root().join(app_path);
    let file = kustomization_file(&dir)
        .ok_or_else(|| RenderCause::MissingPath(format!("{app_path}/kustomization.yaml")))?;
    let shown = file
        .strip_prefix(workspace.root())
        .unwrap_or(&file)
        .display()
        .to_string();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| RenderCause::io(std::path::Path::new(&shown), &e))?;
    let mut kustomization = parse_kustomization(&text, &shown)?;
    let env = build_env(req);
    if let Some(spec) = &req.app.source.kustomize {
        kustomize_edit::apply_overrides(&mut kustomization, spec, &env)?;
    }
    kustomize_edit::request_origin_annotations(&mut kustomization);
    let edited = serde_yaml::to_string(&kustomization)
        .map_err(|e| RenderCause::Unsupported(format!("{shown}: {e}")))?;
    workspace.replace_file(&file, edited.as_bytes())?;

    let output = tool::run(ToolRun {
        label: match subcommand {
            "build" => "kustomize build".to_owned(),
            _ => "kubectl kustomize".to_owned(),
        },
        program,
        args: vec![subcommand.into(), dir.clone().into_os_string()],
        cwd: workspace.root(),
        repo_root: workspace.root(),
        env: env
            .0
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect(),
        timeout: opts.timeout,
    })?;
    let label = format!(
        "kustomize build {}",
        if app_path.is_empty() { "." } else { app_path }
    );
    let objects = objects::parse_documents(&output, &label, 1)?;
    Ok(objects
        .into_iter()
        .map(|mut object| {
            let source_file = take_origin(&mut object, app_path).unwrap_or_else(|| shown.clone());
            RenderedObject {
                object,
                source_file,
            }
        })
        .collect())
}

fn parse_kustomization(text: &str, shown: &str) -> Result<Mapping, RenderCause> {
    match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Mapping(map)) => Ok(map),
        Ok(Value::Null) => Ok(Mapping::new()),
        Ok(_) => Err(RenderCause::Yaml {
            file: shown.to_owned(),
            line: 1,
            message: "a kustomization must be a mapping".into(),
        }),
        Err(e) => Err(RenderCause::Yaml {
            file: shown.to_owned(),
            line: e.location().map(|l| l.line()).unwrap_or(1),
            message: e.to_string(),
        }),
    }
}

/// Argo CD's build environment for the app.
fn build_env(req: &RenderRequest) -> BuildEnv {
    let source = &req.app.source;
    BuildEnv(vec![
        ("ARGOCD_APP_NAME".into(), req.app.app_name.clone()),
        ("ARGOCD_APP_NAMESPACE".into(), req.app.namespace.clone()),
        ("ARGOCD_APP_SOURCE_REPO_URL".into(), source.repo_url.clone()),
        (
            "ARGOCD_APP_SOURCE_PATH".into(),
            source.path.clone().unwrap_or_default(),
        ),
        (
            "ARGOCD_APP_SOURCE_TARGET_REVISION".into(),
            source.target_revision.clone().unwrap_or_default(),
        ),
    ])
}

/// Removes the origin annotation and returns the repository-relative file
/// it names (a generator's kustomization for generated objects).
fn take_origin(object: &mut Object, app_path: &str) -> Option<String> {
    let annotations = object
        .get_mut("metadata")?
        .get_mut("annotations")?
        .as_object_mut()?;
    let origin = annotations.remove(ORIGIN_ANNOTATION)?;
    if annotations.is_empty()
        && let Some(metadata) = object.get_mut("metadata").and_then(|m| m.as_object_mut())
    {
        metadata.remove("annotations");
    }
    let origin: Value = serde_yaml::from_str(origin.as_str()?).ok()?;
    let path = origin
        .get("path")
        .or_else(|| origin.get("configuredIn"))?
        .as_str()?;
    if let Some(repo) = origin.get("repo").and_then(Value::as_str) {
        return Some(format!("{repo}//{path}"));
    }
    repo_relative(app_path, path).ok()
}
