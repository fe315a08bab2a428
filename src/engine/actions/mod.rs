//! What a front end asks for, turned into operations: a manual sync
//! ([`prepare_sync`]), a rollback ([`prepare_rollback`]) and the app as it
//! was at an earlier revision ([`app_at`]). The CLI and the reconcile loop
//! share these so both refuse and plan alike; every gate (comparison,
//! AppProject, sync windows) runs before anything is written.

mod project;
mod rollback;
mod windows;

use jiff::Timestamp;

pub use crate::engine::policy::spec_violations;
pub use project::permitted_resources;
pub use rollback::{prepare_rollback, rollback_entry, with_overrides};
pub use windows::check_windows;

use crate::engine::compare::{AppComparison, ConditionType};
use crate::engine::policy::SyncOptions;
use crate::engine::runtime::needs_namespace_task;
use crate::engine::snapshot::SyncCommand;
use crate::engine::sync::{InitiatedBy, Resource, RollbackError, SyncOperation, SyncRequest};
use crate::model::{AppProject, Application, ApplicationSource, ResourceKey};

/// Why a sync was refused before anything was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncRefused {
    #[error("cannot sync {app}: {message}")]
    ComparisonError { app: String, message: String },
    #[error("cannot sync {app}: it has no resource {resource}")]
    UnknownResource { app: String, resource: String },
    /// A source repository or the destination (Argo CD's `InvalidSpecError`).
    #[error("cannot sync {app}: {message}")]
    NotPermitted { app: String, message: String },
    #[error("cannot sync {app}: {resource}: {message}")]
    ResourceNotPermitted {
        app: String,
        resource: String,
        message: String,
    },
    #[error(
        "cannot sync {app}: blocked by sync window {window} until {until} (the window does not allow manual syncs)"
    )]
    DenyWindow {
        app: String,
        window: String,
        until: String,
    },
    #[error(
        "cannot sync {app}: blocked by sync window: no allow window is open; {window} opens next at {opens}"
    )]
    OutsideAllowWindows {
        app: String,
        window: String,
        opens: String,
    },
    #[error("cannot roll back {app}: {error}")]
    Rollback { app: String, error: RollbackError },
}

/// A manual sync of `app` from its latest comparison, as `command` asks.
/// `comparison` must have been made at the revision to sync (the caller
/// renders `command.revision` when one is given).
pub fn prepare_sync(
    app: &Application,
    project: &AppProject,
    comparison: &AppComparison,
    command: &SyncCommand,
    initiated_by: InitiatedBy,
    now: Timestamp,
) -> Result<SyncOperation, SyncRefused> {
    let name = app.metadata.name.clone();
    let resources = permitted_resources(app, project, comparison);
    let selected = select(&name, &resources, &command.resources)?;
    let touched: Vec<&Resource> = resources
        .iter()
        .filter(|r| selected.as_ref().is_none_or(|keys| keys.contains(&r.key)))
        .collect();
    let mut request = sync_request(app, comparison, command, now);
    gate(app, project, comparison, &request.sources, &touched, now)?;
    request.initiated_by = initiated_by;
    Ok(start_operation(app, comparison, request, resources))
}

/// The request of a manual sync of `app` at its comparison's revision with
/// the options `command` asks for; its resources, when any, select the sync.
pub fn sync_request(
    app: &Application,
    comparison: &AppComparison,
    command: &SyncCommand,
    now: Timestamp,
) -> SyncRequest {
    let policy = app.spec.sync_policy.clone().unwrap_or_default();
    let revision = comparison.revisions.first().map_or("HEAD", String::as_str);
    let mut request = SyncRequest::new(revision, now);
    request.sources = app.spec.all_sources().into_iter().cloned().collect();
    request.prune = command.prune;
    request.dry_run = command.dry_run;
    request.force = command.force;
    request.resources = (!command.resources.is_empty()).then(|| command.resources.clone());
    request.options = SyncOptions::parse(&policy.sync_options);
    if command.apply_out_of_sync_only {
        request.options.apply_out_of_sync_only = true;
    }
    if command.server_side_apply {
        request.options.server_side_apply = true;
    }
    request.managed_namespace_metadata = policy.managed_namespace_metadata.clone();
    request
}

/// `request` as an operation of `app` over `resources`, with the
/// `CreateNamespace` task when the comparison says it is needed.
pub fn start_operation(
    app: &Application,
    comparison: &AppComparison,
    request: SyncRequest,
    resources: Vec<Resource>,
) -> SyncOperation {
    let create_namespace = needs_namespace_task(&request, comparison);
    SyncOperation::start(
        &app.metadata.name,
        app.spec.destination_namespace(),
        request,
        resources,
        create_namespace,
    )
}

/// The gates every operation a user asks for passes, in Argo CD's order:
/// the comparison, the project's sources and destination, each resource
/// the operation touches, then the sync windows (as a manual sync).
fn gate(
    app: &Application,
    project: &AppProject,
    comparison: &AppComparison,
    sources: &[ApplicationSource],
    touched: &[&Resource],
    now: Timestamp,
) -> Result<(), SyncRefused> {
    if let Some(error) = comparison
        .conditions
        .iter()
        .find(|c| c.kind == ConditionType::ComparisonError)
    {
        return Err(SyncRefused::ComparisonError {
            app: app.metadata.name.clone(),
            message: error.message.clone(),
        });
    }
    project::check_project(app, project, sources, touched)?;
    check_windows(app, project, now)
}

fn select(
    app: &str,
    resources: &[Resource],
    wanted: &[ResourceKey],
) -> Result<Option<Vec<ResourceKey>>, SyncRefused> {
    if wanted.is_empty() {
        return Ok(None);
    }
    for key in wanted {
        if !resources.iter().any(|r| &r.key == key) {
            return Err(SyncRefused::UnknownResource {
                app: app.to_owned(),
                resource: key.to_string(),
            });
        }
    }
    Ok(Some(wanted.to_vec()))
}

/// `app` with its sources replaced by those a history entry recorded; a
/// single source is pinned to `revision` (a commit, or a chart version).
/// Rollback and its preview render this.
pub fn app_at(app: &Application, sources: &[ApplicationSource], revision: &str) -> Application {
    let mut pinned = app.clone();
    let mut sources: Vec<ApplicationSource> = if sources.is_empty() {
        app.spec.all_sources().into_iter().cloned().collect()
    } else {
        sources.to_vec()
    };
    if let [only] = sources.as_mut_slice() {
        only.target_revision = Some(revision.to_owned());
        pinned.spec.source = Some(only.clone());
        pinned.spec.sources = Vec::new();
    } else {
        pinned.spec.source = None;
        pinned.spec.sources = sources;
    }
    pinned
}
