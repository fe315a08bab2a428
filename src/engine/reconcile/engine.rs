//! The loop itself: one task owning every app's state, woken by commands,
//! live changes (debounced), Git polls, self-heal deadlines and the
//! background work it started; it publishes a snapshot when something
//! the user sees changed.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use super::app::{AppEntry, compare};
use super::config::EngineConfig;
use super::live::{LiveCaches, LiveRead};
use super::schedule::{Debounce, earliest, fingerprint, jittered, wait_until};
use super::sources::{self, Ask, Sources};
use super::ungenerated::{KeepingAppSet, keeping_appsets};
use super::view::{app_view, kube_events};
use crate::cluster::GroupKind;
use crate::engine::appset::GeneratedRecord;
use crate::engine::snapshot::{
    ClusterView, Command, Freeze, Handle, Notice, NoticeLevel, OperationView, Snapshot,
};
use crate::engine::store::{AppState, FreezeRecord};
use crate::engine::sync::SyncOperation;
use crate::model::{AppProject, Diagnostic, group_of, kind_of};
use crate::source::discovery::Catalog;

/// Starts the reconcile loop.
pub struct Engine;

impl Engine {
    /// Lists the catalog's apps at once (every app `loading`), then runs the
    /// loop on the current tokio runtime until every [`Handle`] is dropped.
    pub fn spawn(config: EngineConfig) -> Handle {
        let (command_tx, commands) = mpsc::channel(64);
        let (notices, _) = broadcast::channel(256);
        let (snapshot_tx, snapshot_rx) = watch::channel(Arc::new(Snapshot {
            loading: true,
            ..Snapshot::default()
        }));
        let (live_tx, live_rx) = mpsc::channel(1);
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let mut reconciler = Reconciler {
            catalog_loaded: false,
            apps: Vec::new(),
            diagnostics: Vec::new(),
            root_revision: None,
            global_freeze: None,
            live: LiveCaches::default(),
            live_tx,
            internal: internal_tx,
            snapshots: snapshot_tx,
            notices: notices.clone(),
            generation: 0,
            dirty: true,
            clusters_shown: Vec::new(),
            global_version: None,
            global_writes: 0,
            refreshing: false,
            refresh_pending: None,
            projects: Vec::new(),
            keeping: HashMap::new(),
            config,
        };
        let (workspace, root) = (&reconciler.config.workspace, &reconciler.config.root);
        let root_revision = sources::root_revision(workspace, root);
        let catalog = workspace.catalog(root).map_err(|e| e.to_string());
        reconciler.apply_catalog(Some(catalog), root_revision);
        reconciler.publish();
        tokio::spawn(reconciler.run(commands, live_rx, internal_rx));
        Handle::new(command_tx, snapshot_rx, notices)
    }
}

/// What background work reports back to the loop.
pub(super) enum Internal {
    Sources(Box<Sources>),
    /// An app's stored state, read when its local writes numbered `writes`.
    State {
        app: String,
        state: Box<AppState>,
        writes: u64,
    },
    /// The global freeze, read when the local writes of it numbered the `u64`.
    GlobalFreeze(Option<FreezeRecord>, u64),
    Progress {
        app: String,
        view: Arc<OperationView>,
    },
    Finished {
        app: String,
        result: Box<Result<SyncOperation, String>>,
        state: Option<Box<AppState>>,
    },
    /// The recorded ApplicationSet-generated specs of one cluster, by app.
    Recorded(Vec<(String, GeneratedRecord)>),
}

pub(super) struct Reconciler {
    pub(super) config: EngineConfig,
    pub(super) catalog_loaded: bool,
    pub(super) apps: Vec<AppEntry>,
    diagnostics: Vec<Diagnostic>,
    pub(super) root_revision: Option<String>,
    pub(super) global_freeze: Option<FreezeRecord>,
    pub(super) live: LiveCaches,
    pub(super) live_tx: mpsc::Sender<()>,
    pub(super) internal: mpsc::UnboundedSender<Internal>,
    snapshots: watch::Sender<Arc<Snapshot>>,
    notices: broadcast::Sender<Notice>,
    generation: u64,
    pub(super) dirty: bool,
    clusters_shown: Vec<ClusterView>,
    /// The resourceVersion of the global freeze ConfigMap last seen live.
    pub(super) global_version: Option<String>,
    /// Counts this engine's writes of the global freeze.
    pub(super) global_writes: u64,
    /// A source refresh runs in the background.
    pub(super) refreshing: bool,
    /// A refresh asked for while one ran.
    pub(super) refresh_pending: Option<Ask>,
    pub(super) projects: Vec<AppProject>,
    /// The ApplicationSets that keep the apps they stop generating.
    pub(super) keeping: HashMap<String, KeepingAppSet>,
}

impl Reconciler {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut live: mpsc::Receiver<()>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
    ) {
        self.refresh(Ask::default());
        self.load_states(true);
        self.find_ungenerated();
        let mut debounce = Debounce::new(self.config.debounce);
        let mut next_poll = self.next_poll();
        loop {
            let wake = earliest([debounce.due(), next_poll, self.heal_due()]);
            // Only commands and internal messages change the catalog or the
            // stored state that choose an app's kept ApplicationSet spec.
            let inputs_changed = tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => {
                        self.command(command).await;
                        true
                    }
                    None => break,
                },
                Some(()) = live.recv() => {
                    debounce.poke(Instant::now());
                    false
                }
                Some(message) = internal.recv() => {
                    self.internal(message, &mut debounce);
                    true
                }
                () = sleep_until(wake) => false,
            };
            if inputs_changed {
                self.repin_all();
            }
            let now = Instant::now();
            if next_poll.is_some_and(|at| at <= now) {
                next_poll = self.next_poll();
                self.refresh(Ask::fleet(true, false, false));
                self.load_states(true);
            }
            let heal = self.heal_ready();
            if debounce.fire(now) || heal {
                self.compare_all().await;
            }
            self.publish();
        }
    }

    fn next_poll(&self) -> Option<Instant> {
        let interval = self.config.poll_interval;
        (!interval.is_zero()).then(|| {
            Instant::now() + jittered(interval, self.config.poll_jitter, rand::random::<f64>())
        })
    }

    /// The earliest self-heal backoff (or settle) deadline.
    fn heal_due(&self) -> Option<Instant> {
        let now = Timestamp::now();
        earliest(self.apps.iter().map(|e| {
            e.heal_retry_at
                .map(|at| Instant::now() + wait_until(now, at))
        }))
    }

    /// Whether some app's self-heal backoff (or settle) deadline has passed.
    fn heal_ready(&self) -> bool {
        let now = Timestamp::now();
        self.apps
            .iter()
            .any(|e| e.heal_retry_at.is_some_and(|at| at <= now))
    }

    pub(super) fn notice(&self, app: Option<&str>, level: NoticeLevel, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(app = app.unwrap_or(""), ?level, %message, "notice");
        // No receiver means no console is listening; nothing is lost that matters.
        let _ = self.notices.send(Notice {
            app: app.map(str::to_owned),
            level,
            message,
        });
    }

    pub(super) fn entry(&self, name: &str) -> Option<usize> {
        self.apps.iter().position(|e| e.name() == name)
    }

    /// Rebuilds the app list from a new catalog, keeping what is known of
    /// apps that stay.
    fn apply_catalog(&mut self, catalog: Option<Result<Catalog, String>>, root: Option<String>) {
        self.root_revision = root;
        let catalog = match catalog {
            None => return,
            Some(Err(error)) => {
                self.diagnostics = vec![Diagnostic::error(
                    "",
                    format!("cannot read the catalog: {error}"),
                )];
                self.catalog_loaded = true;
                self.dirty = true;
                return;
            }
            Some(Ok(catalog)) => catalog,
        };
        let mut old: HashMap<String, AppEntry> = self
            .apps
            .drain(..)
            .map(|e| (e.name().to_owned(), e))
            .collect();
        self.projects = catalog.projects.clone();
        self.keeping = keeping_appsets(&catalog);
        for item in catalog.apps.iter().cloned() {
            let (project, cluster) = self.resolve(&item.app);
            let entry = match old.remove(&item.app.metadata.name) {
                Some(mut kept) => {
                    kept.catalog = item;
                    kept.project = project;
                    kept.cluster = cluster;
                    if kept.ungenerated.take().is_some() {
                        kept.appset_warning = None;
                    }
                    kept
                }
                None => AppEntry::new(item, project, cluster),
            };
            self.apps.push(entry);
        }
        self.keep_ungenerated(old);
        self.diagnostics = catalog.diagnostics;
        self.catalog_loaded = true;
        self.dirty = true;
    }

    fn apply_renders(&mut self, mut renders: HashMap<String, sources::Rendered>) {
        let mut kinds: HashMap<String, (crate::cluster::ClusterRef, BTreeSet<GroupKind>)> =
            HashMap::new();
        for entry in &mut self.apps {
            let Some(rendered) = renders.remove(entry.name()) else {
                continue;
            };
            if let (Ok(cluster), Ok(result)) = (&entry.cluster, &rendered.result) {
                let wanted = kinds
                    .entry(cluster.info().name.clone())
                    .or_insert_with(|| (cluster.clone(), BTreeSet::new()));
                wanted.1.extend(result.objects.iter().map(|o| {
                    (
                        group_of(&o.object).to_owned(),
                        kind_of(&o.object).to_owned(),
                    )
                }));
            }
            if entry.commits != rendered.commits {
                entry.commits = rendered.commits;
                self.dirty = true;
            }
            entry.rendered = Some(rendered.result);
        }
        for (cluster, wanted) in kinds.into_values() {
            self.live.watch(&cluster, wanted, &self.live_tx);
        }
    }

    /// Lets every ApplicationSet-generated app take its recorded or its
    /// generated spec (see [`crate::engine::appset::select`]), says once
    /// why one keeps its recorded spec, and renders again what changed.
    fn repin_all(&mut self) {
        let mut changed = false;
        for at in 0..self.apps.len() {
            let before = self.apps[at].appset_warning.clone();
            if self.apps[at].repin() {
                changed = true;
                self.dirty = true;
            }
            let entry = &self.apps[at];
            if let Some(warning) = &entry.appset_warning
                && before.as_ref() != Some(warning)
            {
                self.notice(Some(entry.name()), NoticeLevel::Warning, warning.clone());
            }
        }
        if changed {
            self.refresh(Ask::default());
        }
    }

    fn internal(&mut self, message: Internal, debounce: &mut Debounce) {
        match message {
            Internal::Sources(loaded) => {
                self.refreshing = false;
                self.say_refreshed(&loaded);
                let reloaded = loaded.catalog.is_some();
                self.apply_catalog(loaded.catalog, loaded.root_revision);
                self.apply_renders(loaded.renders);
                if reloaded {
                    self.load_states(true);
                    self.find_ungenerated();
                    // A reloaded catalog renders only the apps it lists.
                    if self.apps.iter().any(|e| e.ungenerated.is_some()) {
                        self.refresh(Ask::default());
                    }
                }
                if let Some(ask) = self.refresh_pending.take() {
                    self.refresh(ask);
                }
                debounce.poke(Instant::now());
            }
            Internal::State { app, state, writes } => {
                if let Some(at) = self.entry(&app)
                    && self.apps[at].writes == writes
                    && self.apps[at].state != *state
                {
                    self.apps[at].state = *state;
                    self.dirty = true;
                    debounce.poke(Instant::now());
                }
            }
            Internal::GlobalFreeze(freeze, writes) => {
                if self.global_writes == writes && self.global_freeze != freeze {
                    self.global_freeze = freeze;
                    self.dirty = true;
                }
            }
            Internal::Progress { app, view } => {
                if let Some(running) = self
                    .entry(&app)
                    .and_then(|at| self.apps[at].running.as_mut())
                {
                    running.view = view;
                    self.dirty = true;
                }
            }
            Internal::Finished { app, result, state } => {
                self.finished(&app, *result, state.map(|s| *s));
                debounce.poke(Instant::now());
            }
            Internal::Recorded(records) => {
                if self.adopt_recorded(records) {
                    self.refresh(Ask::default());
                }
            }
        }
    }

    /// Compares every rendered app whose cluster has been read, then lets
    /// automated sync act on the fresh comparisons.
    pub(super) async fn compare_all(&mut self) {
        let names: BTreeSet<String> = self
            .apps
            .iter()
            .filter_map(|e| e.cluster.as_ref().ok())
            .map(|c| c.info().name.clone())
            .collect();
        let mut reads: HashMap<String, LiveRead> = HashMap::new();
        for name in names {
            let read = self.live.read(&name).await;
            reads.insert(name, read);
        }
        let now = Timestamp::now();
        for at in 0..self.apps.len() {
            let entry = &self.apps[at];
            let Some(rendered) = &entry.rendered else {
                continue;
            };
            let live = match &entry.cluster {
                Err(error) => Err(error.clone()),
                Ok(cluster) => match &reads[&cluster.info().name] {
                    LiveRead::NotReady => continue,
                    LiveRead::Failed(error) => Err(error.clone()),
                    LiveRead::Ready(read) => Ok(read.clone()),
                },
            };
            let comparison = compare(
                entry.app(),
                &entry.project,
                rendered,
                live.as_deref().map_err(Clone::clone),
                &self.config.settings,
            );
            let events = match &live {
                Ok(read) => kube_events(&comparison, &read.index),
                Err(_) => Vec::new(),
            };
            let print = fingerprint(&comparison);
            let entry = &mut self.apps[at];
            if entry.comparison.is_none() || entry.fingerprint != print || entry.events != events {
                entry.comparison = Some(Arc::new(comparison));
                entry.fingerprint = print;
                entry.events = events;
                entry.compared_at = Some(now);
                self.dirty = true;
            }
        }
        self.follow_store(&reads);
        for at in 0..self.apps.len() {
            self.auto_sync(at);
        }
    }

    fn cluster_views(&self) -> Vec<ClusterView> {
        let usable: BTreeSet<String> = self
            .config
            .clusters
            .all()
            .iter()
            .map(|c| c.info().name.clone())
            .collect();
        self.config
            .clusters
            .infos()
            .into_iter()
            .map(|info| ClusterView {
                error: if usable.contains(&info.name) {
                    self.live.error(&info.name)
                } else {
                    Some(format!(
                        "context {}: no client could be made for it",
                        info.name
                    ))
                },
                name: info.name,
                server: info.server,
                is_sandbox: info.is_sandbox,
            })
            .collect()
    }

    /// Publishes a new snapshot when something shown changed.
    pub(super) fn publish(&mut self) {
        let clusters = self.cluster_views();
        if clusters != self.clusters_shown {
            self.clusters_shown = clusters;
            self.dirty = true;
        }
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.generation += 1;
        let loading = !self.catalog_loaded || self.apps.iter().any(|e| e.comparison.is_none());
        self.snapshots.send_replace(Arc::new(Snapshot {
            generation: self.generation,
            apps: self.apps.iter().map(app_view).collect(),
            clusters: self.clusters_shown.clone(),
            diagnostics: self.diagnostics.clone(),
            global_freeze: self.global_freeze.clone().map(Freeze::from),
            root_revision: self.root_revision.clone(),
            loading,
        }));
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
