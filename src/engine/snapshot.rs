//! What the engine publishes and what it accepts: immutable [`Snapshot`]s
//! (cheap `Arc` clones), [`Command`]s, and [`Notice`]s, joined in a
//! [`Handle`]. The TUI and the CLI see the engine only through these.

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::{broadcast, mpsc, watch};

use crate::engine::compare::AppComparison;
use crate::engine::sync::{HistoryEntry, OperationPhase, Plan, SyncOperation};
use crate::model::{Application, Diagnostic, ResourceKey};
use crate::source::git::CommitInfo;

/// The whole fleet at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Bumped on every publish; the TUI redraws only when it changes.
    pub generation: u64,
    pub apps: Vec<Arc<AppView>>,
    pub clusters: Vec<ClusterView>,
    /// Catalog problems (bad manifests) that belong to no single app.
    pub diagnostics: Vec<Diagnostic>,
    /// A freeze on every app, with its reason.
    pub global_freeze: Option<Freeze>,
    /// The revision of the root manifests.
    pub root_revision: Option<String>,
    /// True until the first comparison of every app is done.
    pub loading: bool,
}

impl Snapshot {
    pub fn app(&self, name: &str) -> Option<&Arc<AppView>> {
        self.apps.iter().find(|a| a.name == name)
    }
}

/// One application as the user sees it.
#[derive(Debug, Clone)]
pub struct AppView {
    pub name: String,
    pub app: Arc<Application>,
    /// The file the Application came from.
    pub file: String,
    /// App-of-apps parent.
    pub parent: Option<String>,
    /// The ApplicationSet that generated it, with the generator.
    pub appset: Option<String>,
    pub cluster: String,
    /// The live comparison; `None` before the first one.
    pub comparison: Option<Arc<AppComparison>>,
    /// The running operation, if any (this process's or another's lock).
    pub operation: Option<Arc<OperationView>>,
    /// The running operation is this process's: quitting stops it.
    pub operation_here: bool,
    /// The last finished operation.
    pub last_operation: Option<Arc<OperationView>>,
    /// Newest last.
    pub history: Vec<HistoryEntry>,
    /// Commits touching the app's path, newest first (author, subject).
    pub commits: Vec<CommitInfo>,
    pub auto_sync: bool,
    pub self_heal: bool,
    pub freeze: Option<Freeze>,
    /// Auto-sync switched off at runtime (e.g. by a rollback), with why.
    pub auto_sync_paused: Option<String>,
    /// Kubernetes events and plumb's own operation events, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// When the last comparison finished.
    pub compared_at: Option<Timestamp>,
    /// The app as an earlier history entry would make it, compared with
    /// the live state (asked for with [`Command::Preview`]).
    pub preview: Option<Arc<RevisionPreview>>,
}

/// What a rollback to one history entry would change.
#[derive(Debug, Clone)]
pub struct RevisionPreview {
    pub id: i64,
    pub revision: String,
    /// The live state compared with the entry's manifests, or why the
    /// entry could not be rendered.
    pub comparison: Result<Arc<AppComparison>, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    pub reason: String,
    pub by: String,
    pub since: Timestamp,
}

/// A sync operation, running or finished.
#[derive(Debug, Clone)]
pub struct OperationView {
    pub operation: SyncOperation,
    pub plan: Plan,
    /// Who runs it (user@host, or "automated").
    pub holder: String,
    pub phase: OperationPhase,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterView {
    pub name: String,
    pub server: String,
    pub is_sandbox: bool,
    /// `Some(error)` when unreachable.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub source: TimelineSource,
    /// The object an event is about, if any.
    pub object: Option<ResourceKey>,
    /// `Normal` / `Warning` for Kubernetes events; plumb's own use `Normal`.
    pub kind: String,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineSource {
    Kubernetes,
    Plumb,
}

/// What a user asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Compare again; `hard` refetches Git and renders without the cache.
    Refresh {
        app: Option<String>,
        hard: bool,
    },
    Sync {
        app: String,
        options: SyncCommand,
    },
    Rollback {
        app: String,
        id: Option<i64>,
        disable_auto_sync: bool,
        prune: bool,
        dry_run: bool,
    },
    Terminate {
        app: String,
    },
    /// Compare the live state with history entry `id` (`None`: the one a
    /// rollback would pick); the answer arrives as [`AppView::preview`].
    Preview {
        app: String,
        id: Option<i64>,
    },
    /// `None` freezes every app.
    Freeze {
        app: Option<String>,
        reason: String,
    },
    Unfreeze {
        app: Option<String>,
    },
    SetAutoSync {
        app: String,
        auto_sync: Option<bool>,
        self_heal: Option<bool>,
    },
}

/// Options of a manual sync, as the sync modal and `plumb app sync` offer them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncCommand {
    pub prune: bool,
    pub dry_run: bool,
    pub force: bool,
    pub apply_out_of_sync_only: bool,
    pub server_side_apply: bool,
    pub revision: Option<String>,
    /// Selective sync; empty means every resource.
    pub resources: Vec<ResourceKey>,
}

/// Something worth telling the user now (a toast / a CLI line).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub app: Option<String>,
    pub level: NoticeLevel,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// The engine as seen from a front end: send commands, read the newest
/// snapshot, receive notices.
#[derive(Debug, Clone)]
pub struct Handle {
    commands: mpsc::Sender<Command>,
    snapshots: watch::Receiver<Arc<Snapshot>>,
    notices: broadcast::Sender<Notice>,
}

impl Handle {
    pub fn new(
        commands: mpsc::Sender<Command>,
        snapshots: watch::Receiver<Arc<Snapshot>>,
        notices: broadcast::Sender<Notice>,
    ) -> Self {
        Self {
            commands,
            snapshots,
            notices,
        }
    }

    /// Queues a command; an error means the engine has stopped.
    pub async fn send(&self, command: Command) -> Result<(), EngineStopped> {
        self.commands.send(command).await.map_err(|_| EngineStopped)
    }

    /// Queues a command without waiting (from a synchronous key handler).
    pub fn try_send(&self, command: Command) -> Result<(), EngineStopped> {
        self.commands.try_send(command).map_err(|_| EngineStopped)
    }

    /// The newest snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// A receiver that wakes on every new snapshot.
    pub fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.clone()
    }

    pub fn notices(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the engine has stopped")]
pub struct EngineStopped;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handle_carries_commands_snapshots_and_notices() {
        let (tx, mut rx) = mpsc::channel(4);
        let (snap_tx, snap_rx) = watch::channel(Arc::new(Snapshot::default()));
        let (notice_tx, _) = broadcast::channel(4);
        let handle = Handle::new(tx, snap_rx, notice_tx.clone());
        let mut notices = handle.notices();
        handle
            .send(Command::Refresh {
                app: None,
                hard: true,
            })
            .await
            .unwrap();
        assert_eq!(
            rx.recv().await,
            Some(Command::Refresh {
                app: None,
                hard: true
            })
        );
        let mut watcher = handle.watch();
        snap_tx
            .send(Arc::new(Snapshot {
                generation: 7,
                ..Default::default()
            }))
            .unwrap();
        watcher.changed().await.unwrap();
        assert_eq!(handle.snapshot().generation, 7);
        notice_tx
            .send(Notice {
                app: None,
                level: NoticeLevel::Info,
                message: "hi".into(),
            })
            .unwrap();
        assert_eq!(notices.recv().await.unwrap().message, "hi");
        drop(rx);
        assert_eq!(
            handle.try_send(Command::Terminate { app: "a".into() }),
            Err(EngineStopped)
        );
    }
}
