//! What a user asks of the loop. Refusals (a gate, a lease held by
//! another plumb, an unknown app) become Error notices naming the app.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::Timestamp;

use super::app::compare;
use super::engine::Reconciler;
use super::live::LiveRead;
use super::sources::Ask;
use crate::engine::actions::{
    app_at, prepare_rollback, prepare_sync, rollback_entry, with_overrides,
};
use crate::engine::compare::AppComparison;
use crate::engine::snapshot::{Command, NoticeLevel, RevisionPreview, SyncCommand};
use crate::engine::store::{FreezeRecord, Store};
use crate::engine::sync::{InitiatedBy, RollbackParams};
use crate::model::{Application, group_of, kind_of};

/// How long a command waits for newly watched kinds to list.
const READ_WAIT: Duration = Duration::from_secs(10);

impl Reconciler {
    pub(super) async fn command(&mut self, command: Command) {
        let app = match &command {
            Command::Refresh { app, .. }
            | Command::Freeze { app, .. }
            | Command::Unfreeze { app } => app.clone(),
            Command::Sync { app, .. }
            | Command::Rollback { app, .. }
            | Command::Terminate { app }
            | Command::Preview { app, .. }
            | Command::SetAutoSync { app, .. } => Some(app.clone()),
        };
        if let Err(message) = self.carry_out(command).await {
            self.notice(app.as_deref(), NoticeLevel::Error, message);
        }
    }

    async fn carry_out(&mut self, command: Command) -> Result<(), String> {
        let writes = !matches!(command, Command::Refresh { .. } | Command::Preview { .. });
        if writes && self.config.readonly {
            return Err(
                "plumb runs read-only: nothing that changes a cluster is carried out".into(),
            );
        }
        match command {
            // Both fetch, as Argo CD's refresh compares with the newest commit;
            // a hard one renders without the cache.
            Command::Refresh {
                app: Some(name),
                hard,
            } => {
                let at = self
                    .entry(&name)
                    .ok_or_else(|| format!("no application named {name}"))?;
                self.refresh(Ask::app(&name, hard).announced());
                self.load_state(at, true);
                Ok(())
            }
            Command::Refresh { app: None, hard } => {
                self.refresh(Ask::fleet(true, hard, hard).announced());
                self.load_states(true);
                Ok(())
            }
            Command::Sync { app, options } => self.sync(&app, &options).await,
            Command::Rollback {
                app,
                id,
                disable_auto_sync,
                prune,
                dry_run,
            } => {
                let params = RollbackParams {
                    id,
                    disable_auto_sync,
                    prune,
                    dry_run,
                    initiated_by: self.initiated_by(),
                    started_at: Timestamp::now(),
                };
                self.rollback(&app, params).await
            }
            Command::Terminate { app } => self.terminate(&app).await,
            Command::Preview { app, id } => self.preview(&app, id).await,
            Command::Freeze { app, reason } => {
                let record = FreezeRecord {
                    reason,
                    by: self.config.holder.clone(),
                    since: Timestamp::now(),
                };
                self.freeze(app.as_deref(), Some(record)).await
            }
            Command::Unfreeze { app } => self.freeze(app.as_deref(), None).await,
            Command::SetAutoSync {
                app,
                auto_sync,
                self_heal,
            } => self.set_auto_sync(&app, auto_sync, self_heal).await,
        }
    }

    fn initiated_by(&self) -> InitiatedBy {
        InitiatedBy {
            username: self.config.holder.clone(),
            automated: false,
        }
    }

    fn find(&self, app: &str) -> Result<usize, String> {
        self.entry(app)
            .ok_or_else(|| format!("application '{app}' not found"))
    }

    async fn sync(&mut self, name: &str, options: &SyncCommand) -> Result<(), String> {
        let at = self.find(name)?;
        if self.apps[at].running.is_some() {
            return Err(format!(
                "cannot sync {name}: this plumb is already running its operation"
            ));
        }
        let (app, comparison) = match &options.revision {
            Some(revision) => {
                let pinned = app_at(self.apps[at].app(), &[], revision);
                let comparison = self.compare_at(at, &pinned).await?;
                (pinned, Arc::new(comparison))
            }
            None => {
                let entry = &self.apps[at];
                let comparison = entry
                    .comparison
                    .clone()
                    .ok_or_else(|| format!("cannot sync {name}: it has not been compared yet"))?;
                (entry.app().clone(), comparison)
            }
        };
        let project = self.apps[at].project_or_default();
        let op = prepare_sync(
            &app,
            &project,
            &comparison,
            options,
            self.initiated_by(),
            Timestamp::now(),
        )
        .map_err(|e| e.to_string())?;
        self.start_operation(at, op)?;
        self.notice(
            Some(name),
            NoticeLevel::Info,
            format!("sync of {name} started"),
        );
        Ok(())
    }

    async fn rollback(&mut self, name: &str, params: RollbackParams) -> Result<(), String> {
        let at = self.find(name)?;
        let history = self.apps[at].state.history.clone();
        let entry = rollback_entry(name, &history, params.id)
            .map_err(|e| e.to_string())?
            .clone();
        let pinned = app_at(self.apps[at].app(), &entry.sources, &entry.revision);
        let comparison = self.compare_at(at, &pinned).await?;
        let effective = with_overrides(&pinned, &self.apps[at].state.autosync);
        let project = self.apps[at].project_or_default();
        let (pause, dry_run) = (params.disable_auto_sync, params.dry_run);
        let op = prepare_rollback(
            &effective,
            &project,
            &history,
            params,
            &comparison,
            Timestamp::now(),
        )
        .map_err(|e| e.to_string())?;
        let automated = effective
            .spec
            .sync_policy
            .as_ref()
            .is_some_and(|p| p.is_automated());
        if automated && pause && !dry_run {
            let reason = format!("rollback to {} by {}", entry.id, self.config.holder);
            let state = self
                .store(at)?
                .update(name, |state| {
                    state.autosync.auto_sync = Some(false);
                    state.autosync.paused_reason = Some(reason.clone());
                })
                .await
                .map_err(|e| format!("cannot roll back {name}: {e}"))?;
            self.apps[at].wrote(state);
        }
        self.start_operation(at, op)?;
        self.notice(
            Some(name),
            NoticeLevel::Info,
            format!(
                "rollback of {name} to {} ({}) started",
                entry.id,
                super::view::short(&entry.revision)
            ),
        );
        Ok(())
    }

    async fn preview(&mut self, name: &str, id: Option<i64>) -> Result<(), String> {
        let at = self.find(name)?;
        let entry = rollback_entry(name, &self.apps[at].state.history, id)
            .map_err(|e| e.to_string())?
            .clone();
        let pinned = app_at(self.apps[at].app(), &entry.sources, &entry.revision);
        let comparison = self.compare_at(at, &pinned).await;
        self.apps[at].preview = Some(Arc::new(RevisionPreview {
            id: entry.id,
            revision: entry.revision,
            comparison: comparison.map(Arc::new),
        }));
        self.dirty = true;
        Ok(())
    }

    async fn terminate(&mut self, name: &str) -> Result<(), String> {
        let at = self.find(name)?;
        if let Some(running) = &self.apps[at].running {
            running.terminate.store(true, Ordering::Relaxed);
        } else {
            let asked = self
                .store(at)?
                .request_termination(name, &self.config.holder)
                .await
                .map_err(|e| format!("cannot terminate the operation of {name}: {e}"))?;
            if asked.is_none() {
                return Err(format!("no operation is running for application {name}"));
            }
        }
        self.notice(
            Some(name),
            NoticeLevel::Info,
            format!("asked the operation of {name} to terminate"),
        );
        Ok(())
    }

    async fn freeze(
        &mut self,
        name: Option<&str>,
        record: Option<FreezeRecord>,
    ) -> Result<(), String> {
        let what = if record.is_some() {
            "freeze"
        } else {
            "unfreeze"
        };
        match name {
            Some(name) => {
                let at = self.find(name)?;
                let state = self
                    .store(at)?
                    .update(name, |state| state.freeze = record.clone())
                    .await
                    .map_err(|e| format!("cannot {what} {name}: {e}"))?;
                self.apps[at].wrote(state);
            }
            None => {
                for cluster in self.config.clusters.all() {
                    Store::new(cluster.clone())
                        .set_global_freeze(record.clone())
                        .await
                        .map_err(|e| format!("cannot {what} every application: {e}"))?;
                }
                self.global_freeze = record.clone();
                self.global_writes += 1;
            }
        }
        let target = name.map_or("all applications".to_owned(), |n| {
            format!("application {n}")
        });
        let message = match &record {
            Some(record) => format!("froze {target}: {}", record.reason),
            None => format!("unfroze {target}"),
        };
        self.notice(name, NoticeLevel::Info, message);
        self.dirty = true;
        self.compare_all().await;
        Ok(())
    }

    async fn set_auto_sync(
        &mut self,
        name: &str,
        auto_sync: Option<bool>,
        self_heal: Option<bool>,
    ) -> Result<(), String> {
        let at = self.find(name)?;
        let holder = self.config.holder.clone();
        let state = self
            .store(at)?
            .update(name, |state| {
                if let Some(on) = auto_sync {
                    state.autosync.auto_sync = Some(on);
                    state.autosync.paused_reason =
                        (!on).then(|| format!("switched off by {holder}"));
                }
                if let Some(on) = self_heal {
                    state.autosync.self_heal = Some(on);
                }
            })
            .await
            .map_err(|e| format!("cannot change automated sync of {name}: {e}"))?;
        self.apps[at].wrote(state);
        self.dirty = true;
        self.compare_all().await;
        Ok(())
    }

    fn store(&self, at: usize) -> Result<Store, String> {
        self.apps[at].cluster.clone().map(Store::new)
    }

    /// The app at `at` rendered as `pinned` (an earlier revision) and
    /// compared with its cluster's live state.
    async fn compare_at(
        &mut self,
        at: usize,
        pinned: &Application,
    ) -> Result<AppComparison, String> {
        let name = pinned.metadata.name.clone();
        let cluster = self.apps[at].cluster.clone()?;
        let workspace = self.config.workspace.clone();
        let app = pinned.clone();
        let rendered = tokio::task::spawn_blocking(move || workspace.render_app(&app, false))
            .await
            .map_err(|e| format!("application {name}: the render stopped: {e}"))?
            .map_err(|e| e.to_string());
        if let Ok(rendered) = &rendered {
            let kinds = rendered
                .objects
                .iter()
                .map(|o| {
                    (
                        group_of(&o.object).to_owned(),
                        kind_of(&o.object).to_owned(),
                    )
                })
                .collect();
            let changed = self.live_tx.clone();
            self.live.watch(&cluster, kinds, &changed);
        }
        let deadline = tokio::time::Instant::now() + READ_WAIT;
        let read = loop {
            match self.live.read(&cluster.info().name).await {
                LiveRead::Ready(read) => break Ok(read),
                LiveRead::Failed(error) => break Err(error),
                LiveRead::NotReady if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                LiveRead::NotReady => {
                    return Err(format!(
                        "application {name}: the live state of cluster {} is still loading",
                        cluster.info().name
                    ));
                }
            }
        };
        Ok(compare(
            pinned,
            &self.apps[at].project,
            &rendered,
            read.as_deref().map_err(Clone::clone),
            &self.config.settings,
        ))
    }
}
