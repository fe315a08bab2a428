//! Operations the loop starts: run in their own task under the app's
//! lease, progress published as the runner advances, the result and the
//! reloaded history handed back.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;

use super::app::{Running, operation_view};
use super::engine::{Internal, Reconciler};
use crate::engine::runtime::{Runner, run_operation};
use crate::engine::snapshot::NoticeLevel;
use crate::engine::store::{AppState, Store};
use crate::engine::sync::{OperationPhase, SyncOperation};

impl Reconciler {
    /// Runs `op` for the app at `at` in the background.
    pub(super) fn start_operation(
        &mut self,
        at: usize,
        mut op: SyncOperation,
    ) -> Result<(), String> {
        let entry = &self.apps[at];
        let name = entry.name().to_owned();
        let cluster = entry.cluster.clone()?;
        if let Some(seconds) = self.config.wave_delay_seconds {
            op.wave_delay_seconds = seconds;
        }
        let limit = entry.app().spec.history_limit();
        let generated = entry
            .catalog
            .appset
            .clone()
            .filter(|_| !op.request.dry_run)
            .map(|origin| (entry.catalog.app.clone(), origin));
        let terminate = Arc::new(AtomicBool::new(false));
        let runner = Runner::new(
            cluster.clone(),
            Arc::new(self.config.settings.health.clone()),
        )
        .with_idle_poll(self.config.idle_poll);
        let holder = self.config.holder.clone();
        let internal = self.internal.clone();
        let stop = terminate.clone();
        self.apps[at].running = Some(Running {
            view: operation_view(&op),
            terminate,
        });
        self.apps[at].heal_retry_at = None;
        self.dirty = true;
        tokio::spawn(async move {
            let store = Store::new(cluster);
            if let Some((app, origin)) = &generated
                && let Err(error) = store.record_generated(&name, app, origin).await
            {
                tracing::warn!(app = %name, %error, "cannot record the generated spec");
            }
            let progress = internal.clone();
            let result = run_operation(&runner, &store, op, &holder, limit, &stop, |current| {
                let _ = progress.send(Internal::Progress {
                    app: current.app_name.clone(),
                    view: operation_view(current),
                });
            })
            .await
            .map_err(|e| e.to_string());
            let state = match store.load(&name).await {
                Ok(state) => Some(Box::new(state)),
                Err(error) => {
                    tracing::warn!(app = %name, %error, "cannot reload the history");
                    None
                }
            };
            let _ = internal.send(Internal::Finished {
                app: name,
                result: Box::new(result),
                state,
            });
        });
        Ok(())
    }

    pub(super) fn finished(
        &mut self,
        app: &str,
        result: Result<SyncOperation, String>,
        state: Option<AppState>,
    ) {
        let Some(at) = self.entry(app) else {
            return;
        };
        let settle = jiff::SignedDuration::try_from(self.config.settle).unwrap_or_default();
        let entry = &mut self.apps[at];
        entry.running = None;
        entry.settle_until = Timestamp::now().checked_add(settle).ok();
        if let Some(state) = state {
            entry.wrote(state);
        }
        self.dirty = true;
        match result {
            Err(error) => self.notice(
                Some(app),
                NoticeLevel::Error,
                format!("cannot sync {app}: {error}"),
            ),
            Ok(op) => {
                let level = match op.phase() {
                    OperationPhase::Succeeded => NoticeLevel::Info,
                    _ => NoticeLevel::Error,
                };
                let message = format!("sync of {app} {}: {}", op.phase().as_str(), op.message());
                self.notice(Some(app), level, message);
            }
        }
    }
}
