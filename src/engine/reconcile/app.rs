//! One application as the loop keeps it: its catalog entry, render,
//! comparison and stored runtime state, and how it is compared.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;
use serde_json::Value;

use super::live::ClusterRead;
use crate::cluster::ClusterRef;
use crate::engine::appset::select;
use crate::engine::compare::{AppComparison, CompareInput, compare_app, mark_unreadable};
use crate::engine::diff::IgnoreRules;
use crate::engine::settings::CompareSettings;
use crate::engine::snapshot::{OperationView, RevisionPreview, TimelineEntry};
use crate::engine::store::AppState;
use crate::engine::sync::SyncOperation;
use crate::model::{AppProject, Application};
use crate::source::discovery::CatalogApp;
use crate::source::git::CommitInfo;
use crate::source::workspace::RenderedApp;

/// An operation this engine runs.
pub struct Running {
    pub view: Arc<OperationView>,
    /// Set to ask the operation to stop.
    pub terminate: Arc<AtomicBool>,
}

pub struct AppEntry {
    pub catalog: CatalogApp,
    /// The project, or why it is missing.
    pub project: Result<AppProject, String>,
    /// The destination cluster, or why it cannot be used.
    pub cluster: Result<ClusterRef, String>,
    /// `None` until rendered.
    pub rendered: Option<Result<RenderedApp, String>>,
    pub comparison: Option<Arc<AppComparison>>,
    pub fingerprint: u64,
    pub compared_at: Option<Timestamp>,
    /// History, stored operation, freeze and auto-sync overrides.
    pub state: AppState,
    /// Counts the states this engine wrote (or read right after its
    /// operation); a background read started before the last one is stale.
    pub writes: u64,
    /// The resourceVersion of the app's state ConfigMap last seen live.
    pub state_version: Option<String>,
    pub running: Option<Running>,
    pub commits: Vec<CommitInfo>,
    /// Kubernetes events about the app's objects, oldest first.
    pub events: Vec<TimelineEntry>,
    pub preview: Option<Arc<RevisionPreview>>,
    /// When the self-heal backoff lets the next attempt run.
    pub heal_retry_at: Option<Timestamp>,
    /// Automated sync waits until then after this engine's operation, so
    /// the live cache has seen the operation's last writes.
    pub settle_until: Option<Timestamp>,
    /// Why automated sync refused to run, shown as a `SyncError` condition.
    pub sync_error: Option<String>,
    /// The last automated-sync notice, so a repeated reason is said once.
    pub auto_notice: Option<String>,
    /// The recorded spec kept by `applicationsSync` instead of the generated one.
    pub pinned: Option<Application>,
    /// Why the app keeps its recorded spec, shown as an
    /// `ApplicationSetWarning` condition.
    pub appset_warning: Option<String>,
    /// Why the app is listed though its ApplicationSet no longer generates
    /// it (see [`super::ungenerated`]); its catalog entry is the record.
    pub ungenerated: Option<String>,
}

impl AppEntry {
    pub fn new(
        catalog: CatalogApp,
        project: Result<AppProject, String>,
        cluster: Result<ClusterRef, String>,
    ) -> Self {
        AppEntry {
            catalog,
            project,
            cluster,
            rendered: None,
            comparison: None,
            fingerprint: 0,
            compared_at: None,
            state: AppState::default(),
            writes: 0,
            state_version: None,
            running: None,
            commits: Vec::new(),
            events: Vec::new(),
            preview: None,
            heal_retry_at: None,
            settle_until: None,
            sync_error: None,
            auto_notice: None,
            pinned: None,
            appset_warning: None,
            ungenerated: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.catalog.app.metadata.name
    }

    /// The app as the loop works on it: the generated spec, or the one
    /// recorded at the first operation when `applicationsSync` forbids updates.
    pub fn app(&self) -> &Application {
        self.pinned.as_ref().unwrap_or(&self.catalog.app)
    }

    /// Chooses between the generated and the recorded spec again; whether
    /// the app the loop works on changed.
    pub fn repin(&mut self) -> bool {
        if self.ungenerated.is_some() {
            return false;
        }
        let kept =
            self.catalog.appset.as_ref().and_then(|origin| {
                select(&self.catalog.app, origin, self.state.generated.as_ref())
            });
        let (pinned, warning) = match kept {
            Some(kept) => (Some(kept.app), Some(kept.warning)),
            None => (None, None),
        };
        let changed = pinned != self.pinned.as_ref();
        self.pinned = pinned.cloned();
        self.appset_warning = warning;
        changed
    }

    /// The project to compare and gate with (Argo CD's default one when
    /// the named project is missing; the comparison then says why).
    pub fn project_or_default(&self) -> AppProject {
        self.project
            .clone()
            .unwrap_or_else(|_| AppProject::default_project())
    }

    /// Takes the state this engine just wrote.
    pub fn wrote(&mut self, state: AppState) {
        self.state = state;
        self.writes += 1;
    }

    /// Whether an operation runs, here or in another plumb.
    pub fn operation_in_progress(&self) -> bool {
        self.running.is_some()
            || self
                .state
                .operation
                .as_ref()
                .is_some_and(|op| !op.is_done())
    }
}

/// Compares `app` rendered as `rendered` with one cluster's live state;
/// a missing project, render failure or unreadable cluster becomes a
/// condition of the comparison.
pub fn compare(
    app: &Application,
    project: &Result<AppProject, String>,
    rendered: &Result<RenderedApp, String>,
    live: Result<&ClusterRead, String>,
    settings: &CompareSettings,
) -> AppComparison {
    let default_project;
    let (project, desired): (&AppProject, Result<Vec<Value>, String>) = match project {
        Ok(project) => (
            project,
            rendered
                .as_ref()
                .map(|r| r.objects.iter().map(|o| o.object.clone()).collect())
                .map_err(Clone::clone),
        ),
        Err(missing) => {
            default_project = AppProject::default_project();
            (&default_project, Err(missing.clone()))
        }
    };
    let revisions = rendered
        .as_ref()
        .map(|r| r.revisions.clone())
        .unwrap_or_default();
    let scopes = live.as_ref().ok().map(|read| &read.scopes);
    let scope = |group: &str, kind: &str| {
        scopes.and_then(|s| s.get(&(group.to_owned(), kind.to_owned())).copied())
    };
    let rules = IgnoreRules::new(&app.spec.ignore_differences, &settings.diff);
    let unreadable = live.as_ref().ok().map(|read| &read.unreadable);
    let mut comparison = compare_app(&CompareInput {
        app,
        project,
        desired: desired.as_deref().map_err(Clone::clone),
        revisions,
        scope: &scope,
        live: live.map(|read| &read.index),
        ignore: &rules,
        health: &settings.health,
        tracking: settings.tracking,
        predicted_live: None,
    });
    if let Some(unreadable) = unreadable {
        mark_unreadable(&mut comparison, unreadable);
    }
    comparison
}

/// A running or finished operation as the snapshot shows it.
pub fn operation_view(op: &SyncOperation) -> Arc<OperationView> {
    let by = &op.request.initiated_by;
    Arc::new(OperationView {
        operation: op.clone(),
        plan: op.plan(),
        holder: if by.automated {
            "automated".to_owned()
        } else {
            by.username.clone()
        },
        phase: op.phase(),
        message: op.message().to_owned(),
    })
}
