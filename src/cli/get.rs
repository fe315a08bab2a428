//! `plumb app get NAME`: an app's summary, conditions and resource table,
//! and the loading every compare command shares (catalog, render, live
//! state, comparison).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use serde_json::{Value, json};

use super::OutputFormat;
use super::live_source::{LiveSource, LiveSources};
use super::table::write_table;
use crate::config::{Paths, Settings};
use crate::engine::appset::{AppSetOrigin, select};
use crate::engine::compare::{
    AppComparison, CompareInput, Condition, ConditionType, Role, compare_app, prepare_targets, role,
};
use crate::engine::diff::IgnoreRules;
use crate::engine::live::LiveIndex;
use crate::engine::reconcile::LISTED_KINDS;
use crate::engine::settings::CompareSettings;
use crate::engine::tracking::instance_name;
use crate::model::{AppProject, Application, ResourceKey, group_of, kind_of};
use crate::source::workspace::{RootSpec, Workspace};

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The application's name.
    pub name: String,
    /// Output format (table, json or yaml).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// What the compare commands work on.
pub struct Env<'a, S> {
    pub workspace: &'a Workspace,
    pub root: &'a RootSpec,
    pub settings: &'a CompareSettings,
    pub clusters: &'a S,
}

/// The comparison settings named by plumb's settings file.
pub fn compare_settings() -> Result<CompareSettings> {
    let paths = Paths::discover()?;
    let settings = Settings::load(&paths.settings_file())?.settings;
    Ok(CompareSettings::load(&settings, &paths.config_dir)?)
}

/// An app compared against its cluster.
pub struct Loaded {
    pub app: Application,
    pub project: AppProject,
    pub cluster: String,
    pub live: Option<LiveIndex>,
    pub comparison: AppComparison,
    /// The ApplicationSet that generated the app, if any.
    pub origin: Option<AppSetOrigin>,
    /// The app-of-apps parent, if any.
    pub parent: Option<String>,
    /// The app as its ApplicationSet generates it now (the catalog's app).
    pub generated: Application,
}

/// Loads the catalog, renders the app, reads its cluster and compares.
/// Render and cluster failures become conditions, not errors.
pub async fn load<S: LiveSources>(
    env: &Env<'_, S>,
    name: &str,
    server_side: bool,
) -> Result<Loaded> {
    load_as(env, name, server_side, Application::clone).await
}

/// [`load`] of the app `pin` makes of the catalog's (e.g. the app at an
/// earlier revision, for a rollback or `sync --revision`).
pub async fn load_as<S: LiveSources>(
    env: &Env<'_, S>,
    name: &str,
    server_side: bool,
    pin: impl FnOnce(&Application) -> Application,
) -> Result<Loaded> {
    let catalog = env.workspace.catalog(env.root)?;
    let Some(entry) = catalog.app(name) else {
        bail!("application '{name}' not found");
    };
    let (origin, parent) = (entry.appset.clone(), entry.parent.clone());
    let (selected, warning) = match &origin {
        Some(origin) => select_generated(env, &entry.app, origin).await,
        None => (entry.app.clone(), None),
    };
    let app = pin(&selected);
    let project_name = app.spec.project_or_default();
    let project = match catalog.project(project_name) {
        Some(project) => project.clone(),
        None if project_name == "default" => AppProject::default_project(),
        None => bail!("application '{name}': project '{project_name}' not found"),
    };
    let (desired, revisions) = match env.workspace.render_app(&app, false) {
        Ok(rendered) => (
            Ok(rendered
                .objects
                .iter()
                .map(|r| r.object.clone())
                .collect::<Vec<_>>()),
            rendered.revisions,
        ),
        Err(e) => (Err(e.to_string()), Vec::new()),
    };
    let destination = app.spec.destination.clone().unwrap_or_default();
    let mut cluster = String::new();
    let mut scopes = HashMap::new();
    let source = env.clusters.resolve(&destination);
    let live = match &source {
        Err(e) => Err(e.clone()),
        Ok(source) => {
            cluster = source.label();
            match read_live(source, desired.as_deref().unwrap_or(&[])).await {
                Ok((found, served)) => {
                    scopes = served;
                    Ok(found)
                }
                Err(e) => Err(format!("{cluster}: {e}")),
            }
        }
    };
    let scope = |group: &str, kind: &str| scopes.get(&(group.to_owned(), kind.to_owned())).copied();
    let predicted = match (&source, &live, &desired, server_side) {
        (Ok(source), Ok(_), Ok(objects), true) => {
            Some(predict(source, &app, objects, &scope, env.settings).await?)
        }
        _ => None,
    };
    let rules = IgnoreRules::new(&app.spec.ignore_differences, &env.settings.diff);
    let mut comparison = compare_app(&CompareInput {
        app: &app,
        project: &project,
        desired: desired.as_deref().map_err(Clone::clone),
        revisions,
        scope: &scope,
        live: live.as_ref().map_err(Clone::clone),
        ignore: &rules,
        health: &env.settings.health,
        tracking: env.settings.tracking,
        predicted_live: predicted.as_ref(),
    });
    if let Some(warning) = warning {
        let kind = ConditionType::ApplicationSetWarning;
        comparison.conditions.push(Condition::new(kind, warning));
    }
    Ok(Loaded {
        app,
        project,
        cluster,
        live: live.ok(),
        comparison,
        origin,
        parent,
        generated: entry.app.clone(),
    })
}

/// The generated app, or the spec recorded at its first operation when
/// `applicationsSync` forbids updates, and why; a store that cannot be read
/// leaves the generated app, with a warning saying so.
async fn select_generated<S: LiveSources>(
    env: &Env<'_, S>,
    generated: &Application,
    origin: &AppSetOrigin,
) -> (Application, Option<String>) {
    let name = &generated.metadata.name;
    let destination = generated.spec.destination.clone().unwrap_or_default();
    let record = match env.clusters.resolve(&destination) {
        Ok(source) => source.generated_record(name).await,
        Err(_) => Ok(None),
    };
    match record {
        Ok(record) => match select(generated, origin, record.as_ref()) {
            Some(kept) => (kept.app.clone(), Some(kept.warning)),
            None => (generated.clone(), None),
        },
        Err(error) => (
            generated.clone(),
            Some(format!(
                "ApplicationSet {}: cannot read the spec recorded for {name} ({error}); showing the generated one",
                origin.appset
            )),
        ),
    }
}

async fn read_live<S: LiveSource>(
    source: &S,
    desired: &[Value],
) -> Result<(LiveIndex, HashMap<(String, String), bool>), String> {
    let scopes = source.scopes().await?;
    let mut kinds: BTreeSet<(String, String)> = LISTED_KINDS
        .iter()
        .map(|(g, k)| ((*g).to_owned(), (*k).to_owned()))
        .collect();
    kinds.extend(
        desired
            .iter()
            .map(|o| (group_of(o).to_owned(), kind_of(o).to_owned())),
    );
    let kinds: Vec<(String, String)> = kinds
        .into_iter()
        .filter(|kind| scopes.contains_key(kind))
        .collect();
    let objects = source.list_live(&kinds).await?;
    Ok((
        LiveIndex::new(objects.into_iter().map(Arc::new).collect()),
        scopes,
    ))
}

/// Server-side diff: what a dry-run apply of each stamped target returns.
async fn predict<S: LiveSource>(
    source: &S,
    app: &Application,
    objects: &[Value],
    scope: &(dyn Fn(&str, &str) -> Option<bool> + Sync),
    settings: &CompareSettings,
) -> Result<HashMap<ResourceKey, Value>> {
    let namespace = app.spec.destination_namespace().to_owned();
    let targets = prepare_targets(
        objects,
        &instance_name(app),
        &namespace,
        scope,
        settings.tracking,
        &mut Vec::new(),
    );
    let mut predicted = HashMap::new();
    for target in targets.iter().filter(|t| role(&t.object) == Role::Resource) {
        let result = source
            .dry_run_apply(&target.object)
            .await
            .map_err(|e| eyre!("server-side dry run of {}: {e}", target.key))?;
        predicted.insert(target.key.clone(), result);
    }
    Ok(predicted)
}

pub async fn run<S: LiveSources>(
    env: &Env<'_, S>,
    args: &GetArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let loaded = load(env, &args.name, false).await?;
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&view(&loaded))?)?,
        OutputFormat::Yaml => write!(out, "{}", serde_yaml::to_string(&view(&loaded))?)?,
        OutputFormat::Table | OutputFormat::Wide => print_summary(&loaded, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn view(loaded: &Loaded) -> Value {
    json!({
        "name": loaded.app.metadata.name,
        "project": loaded.app.spec.project_or_default(),
        "sources": loaded.app.spec.all_sources(),
        "destination": loaded.app.spec.destination,
        "cluster": loaded.cluster,
        "origin": loaded.origin,
        "parent": loaded.parent,
        "status": loaded.comparison,
    })
}

/// The summary, conditions and resource table, as `argocd app get` prints them.
pub fn print_summary(loaded: &Loaded, out: &mut dyn Write) -> Result<()> {
    let app = &loaded.app;
    let comparison = &loaded.comparison;
    let destination = app.spec.destination.clone().unwrap_or_default();
    let field = |out: &mut dyn Write, name: &str, value: &str| {
        writeln!(out, "{:<20}{value}", format!("{name}:"))
    };
    field(out, "Name", &app.metadata.name)?;
    field(out, "Project", app.spec.project_or_default())?;
    if let Some(origin) = &loaded.origin {
        writeln!(
            out,
            "Generated by ApplicationSet {} ({}, {})",
            origin.appset,
            origin.generator,
            origin.describe_params()
        )?;
    }
    if let Some(parent) = &loaded.parent {
        field(out, "Parent", parent)?;
    }
    field(
        out,
        "Server",
        destination
            .server
            .as_deref()
            .or(destination.name.as_deref())
            .unwrap_or(""),
    )?;
    field(out, "Namespace", destination.namespace_or_empty())?;
    field(out, "Cluster", &loaded.cluster)?;
    for source in app.spec.all_sources() {
        field(out, "Repo", &source.repo_url)?;
        field(out, "Target", source.revision())?;
        field(
            out,
            "Path",
            source
                .path
                .as_deref()
                .or(source.chart.as_deref())
                .unwrap_or(""),
        )?;
    }
    let revision = comparison
        .revisions
        .iter()
        .map(|r| r.chars().take(7).collect::<String>())
        .collect::<Vec<_>>()
        .join(", ");
    let target = app
        .spec
        .all_sources()
        .first()
        .map(|s| s.revision().to_owned())
        .unwrap_or_default();
    let sync = match (comparison.sync.as_str(), revision.is_empty()) {
        (status, true) => status.to_owned(),
        ("Synced", false) => format!("Synced to {target} ({revision})"),
        (status, false) => format!("{status} from {target} ({revision})"),
    };
    field(out, "Sync Status", &sync)?;
    let health = &comparison.health;
    let health = match health.message.as_str() {
        "" => health.status.to_string(),
        message => format!("{} ({message})", health.status),
    };
    field(out, "Health Status", &health)?;
    if !comparison.conditions.is_empty() {
        writeln!(out)?;
        let rows: Vec<Vec<String>> = comparison
            .conditions
            .iter()
            .map(|c| vec![format!("{:?}", c.kind), c.message.clone()])
            .collect();
        write_table(out, &["CONDITION", "MESSAGE"], &rows)?;
    }
    writeln!(out)?;
    let rows: Vec<Vec<String>> = comparison
        .resources
        .iter()
        .map(|r| {
            let message = match (r.health.as_ref(), r.message.as_str()) {
                (_, message) if !message.is_empty() => message.to_owned(),
                (Some(health), _) => health.message.clone(),
                (None, _) => String::new(),
            };
            vec![
                r.key.group.clone(),
                r.key.kind.clone(),
                r.key.namespace.clone(),
                r.key.name.clone(),
                r.status.map(|s| s.to_string()).unwrap_or_default(),
                r.health
                    .as_ref()
                    .map(|h| h.status.to_string())
                    .unwrap_or_default(),
                if r.hook { "Yes".into() } else { String::new() },
                message,
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "GROUP",
            "KIND",
            "NAMESPACE",
            "NAME",
            "STATUS",
            "HEALTH",
            "HOOK",
            "MESSAGE",
        ],
        &rows,
    )?;
    Ok(())
}
