//! ApplicationSet expansion as Argo CD does it: generators produce parameter
//! sets, each set renders the template into one Application, and problems
//! become status conditions naming the ApplicationSet and the cause.

mod build;
mod cluster_secret;
mod fleet;
mod generators;
mod glob;
mod origin;
mod params;
mod pin;
mod template;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Application, ApplicationSet};
use build::{BuildError, build_app};
use generators::Failure;
use params::deep_merge;
use template::Templating;

pub use build::RESOURCES_FINALIZER;
pub use cluster_secret::parse_cluster_secret;
pub use fleet::{known_clusters, kubeconfig_contexts, with_cluster_secrets};
pub use origin::{AppSetOrigin, ApplicationsSync};
pub use params::sanitize_name;
pub use pin::{GeneratedRecord, Kept, record_to_store, select};

/// The API server address of the cluster Argo CD runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";

/// Resolves a repository URL and revision to an exported checkout directory.
pub type RepoDir<'a> = dyn Fn(&str, &str) -> Result<PathBuf, String> + 'a;

pub struct GeneratorContext<'a> {
    /// The clusters plumb knows, with their labels and annotations.
    pub clusters: &'a [ClusterInfo],
    /// An exported checkout of `repoURL` at `revision`.
    pub repo_dir: &'a RepoDir<'a>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ClusterInfo {
    pub name: String,
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub project: Option<String>,
    /// This cluster is the one plumb treats as `in-cluster` (the current
    /// kubeconfig context), so the generator does not add `in-cluster` too.
    pub local: bool,
}

impl ClusterInfo {
    /// The cluster Argo CD runs in, as the cluster generator adds it.
    pub fn in_cluster() -> Self {
        Self {
            name: "in-cluster".into(),
            server: IN_CLUSTER_SERVER.into(),
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedApp {
    pub app: Application,
    pub origin: AppSetOrigin,
}

/// A condition as Argo CD reports it on an ApplicationSet's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppSetCondition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True` or `False`.
    pub status: String,
    pub message: String,
    pub reason: String,
}

impl AppSetCondition {
    fn new(type_: &str, status: bool, reason: &str, message: String) -> Self {
        Self {
            type_: type_.into(),
            status: if status { "True" } else { "False" }.into(),
            message,
            reason: reason.into(),
        }
    }

    /// True for an `ErrorOccurred: True` condition.
    pub fn is_error(&self) -> bool {
        self.type_ == "ErrorOccurred" && self.status == "True"
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expansion {
    pub apps: Vec<GeneratedApp>,
    pub conditions: Vec<AppSetCondition>,
}

impl Expansion {
    pub fn has_error(&self) -> bool {
        self.conditions.iter().any(AppSetCondition::is_error)
    }
}

/// What went wrong while expanding, sorted by how Argo CD reacts.
#[derive(Default)]
struct Problems {
    /// Generation or templating failed: no Application is generated.
    generation: Vec<String>,
    /// Some generated Applications are invalid: only those are skipped.
    invalid: Vec<String>,
    /// Generators plumb cannot run offline.
    unsupported: Vec<String>,
}

/// Expands one ApplicationSet. Never panics: every problem becomes a condition.
pub fn expand(appset: &ApplicationSet, ctx: &GeneratorContext) -> Expansion {
    let name = &appset.metadata.name;
    let mut problems = Problems::default();
    let mut apps = Vec::new();
    match Templating::new(appset.spec.go_template, &appset.spec.go_template_options) {
        Ok(templating) => apps = generate_apps(appset, &templating, ctx, &mut problems),
        Err(e) => problems.generation.push(e),
    }
    if !problems.generation.is_empty() {
        apps.clear();
    }
    let mut seen = std::collections::HashSet::new();
    for generated in &apps {
        if !seen.insert(generated.app.metadata.name.as_str()) {
            problems.generation.push(format!(
                "contains applications with duplicate name: {}",
                generated.app.metadata.name
            ));
            break;
        }
    }
    if !problems.generation.is_empty() {
        apps.clear();
    }
    Expansion {
        apps,
        conditions: conditions(name, &problems),
    }
}

/// Expands many ApplicationSets against the same clusters and repositories.
pub fn expand_all(appsets: &[ApplicationSet], ctx: &GeneratorContext) -> Vec<Expansion> {
    appsets.iter().map(|appset| expand(appset, ctx)).collect()
}

/// The generator kinds of an ApplicationSet, e.g. `["list", "matrix(git,list)"]`.
pub fn describe_generators(appset: &ApplicationSet) -> Vec<String> {
    appset
        .spec
        .generators
        .iter()
        .map(generators::describe)
        .collect()
}

fn generate_apps(
    appset: &ApplicationSet,
    templating: &Templating,
    ctx: &GeneratorContext,
    problems: &mut Problems,
) -> Vec<GeneratedApp> {
    let mut apps = Vec::new();
    if appset.spec.generators.is_empty() {
        problems.generation.push("spec.generators is empty".into());
    }
    for (index, generator) in appset.spec.generators.iter().enumerate() {
        let label = generators::describe(generator);
        let at = format!("spec.generators[{index}] ({label})");
        let sets = match generators::generate(generator, templating, ctx) {
            Ok(sets) => sets,
            Err(Failure::Error(e)) => {
                problems.generation.push(format!("{at}: {e}"));
                continue;
            }
            Err(Failure::Unsupported(e)) => {
                problems.unsupported.push(format!("{at}: {e}"));
                continue;
            }
        };
        let mut template = appset.spec.template.clone();
        if let Some(own) = generator.get("template") {
            deep_merge(&mut template, own);
        }
        for params in sets {
            match build_app(appset, &template, &params, templating) {
                Ok(app) => apps.push(GeneratedApp {
                    app,
                    origin: AppSetOrigin::new(appset, &label, Value::Object(params)),
                }),
                Err(BuildError::Render(e)) => problems.generation.push(format!("{at}: {e}")),
                Err(BuildError::Invalid(e)) => problems.invalid.push(format!("{at}: {e}")),
            }
        }
    }
    apps
}

fn conditions(name: &str, problems: &Problems) -> Vec<AppSetCondition> {
    let describe = |list: &[String]| format!("ApplicationSet {name}: {}", list.join("; "));
    let mut out = Vec::new();
    if !problems.generation.is_empty() {
        let message = describe(&problems.generation);
        out.push(AppSetCondition::new(
            "ErrorOccurred",
            true,
            "ApplicationGenerationFromParamsError",
            message.clone(),
        ));
        out.push(AppSetCondition::new(
            "ParametersGenerated",
            false,
            "ErrorOccurred",
            message.clone(),
        ));
        out.push(AppSetCondition::new(
            "ResourcesUpToDate",
            false,
            "ErrorOccurred",
            message,
        ));
        return out;
    }
    if let Some(first) = problems.invalid.first() {
        let more = problems.invalid.len() - 1;
        let message = if more == 0 {
            format!("ApplicationSet {name}: {first}")
        } else {
            format!("ApplicationSet {name}: {first} (and {more} more invalid Applications)")
        };
        out.push(AppSetCondition::new(
            "ErrorOccurred",
            true,
            "ApplicationValidationError",
            message.clone(),
        ));
        out.push(AppSetCondition::new(
            "ParametersGenerated",
            true,
            "ParametersGenerated",
            "Successfully generated parameters for all Applications".into(),
        ));
        out.push(AppSetCondition::new(
            "ResourcesUpToDate",
            false,
            "ApplicationValidationError",
            message,
        ));
        return out;
    }
    out.push(AppSetCondition::new(
        "ErrorOccurred",
        false,
        "ApplicationSetUpToDate",
        "Successfully generated parameters for all Applications".into(),
    ));
    if !problems.unsupported.is_empty() {
        let message = describe(&problems.unsupported);
        out.push(AppSetCondition::new(
            "ParametersGenerated",
            false,
            "GeneratorNotSupportedOffline",
            message.clone(),
        ));
        out.push(AppSetCondition::new(
            "ResourcesUpToDate",
            false,
            "GeneratorNotSupportedOffline",
            message,
        ));
        return out;
    }
    out.push(AppSetCondition::new(
        "ParametersGenerated",
        true,
        "ParametersGenerated",
        "Successfully generated parameters for all Applications".into(),
    ));
    out.push(AppSetCondition::new(
        "ResourcesUpToDate",
        true,
        "ApplicationSetUpToDate",
        "All applications have been generated successfully".into(),
    ));
    out
}
