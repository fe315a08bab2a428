//! Source refreshes: started in the background, merged while one runs,
//! and reported to the user who asked.

use super::engine::{Internal, Reconciler};
use super::sources::{self, Ask, Sources};
use crate::engine::snapshot::NoticeLevel;

impl Reconciler {
    /// Starts a source refresh in the background; while one runs, the
    /// next is kept (the strongest asked for) and starts when it ends.
    pub(super) fn refresh(&mut self, ask: Ask) {
        if self.refreshing {
            self.refresh_pending = Some(match self.refresh_pending.take() {
                Some(pending) => pending.merge(ask),
                None => ask,
            });
            return;
        }
        self.refreshing = true;
        let workspace = self.config.workspace.clone();
        let root = self.config.root.clone();
        let request = sources::Request {
            ask,
            known_root: self.root_revision.clone(),
            apps: self.apps.iter().map(|e| e.app().clone()).collect(),
            records: self
                .apps
                .iter()
                .filter_map(|e| Some((e.name().to_owned(), e.state.generated.clone()?)))
                .collect(),
        };
        let internal = self.internal.clone();
        tokio::task::spawn_blocking(move || {
            let loaded = sources::load(&workspace, &root, request);
            let _ = internal.send(Internal::Sources(Box::new(loaded)));
        });
    }

    /// Tells the user their refresh has fetched and rendered, and what.
    pub(super) fn say_refreshed(&self, loaded: &Sources) {
        if !loaded.asked.announce {
            return;
        }
        let what = if loaded.asked.hard {
            "hard refresh"
        } else {
            "refresh"
        };
        let revision = loaded
            .root_revision
            .as_deref()
            .map(|r| format!(" at {}", &r[..r.len().min(7)]))
            .unwrap_or_default();
        let failed = |name: &str| loaded.renders.get(name).is_some_and(|r| r.result.is_err());
        match &loaded.asked.only {
            Some(app) => {
                let (level, outcome) = if failed(app) {
                    (NoticeLevel::Error, "the render failed (see its conditions)")
                } else {
                    (NoticeLevel::Info, "rendered; comparing")
                };
                self.notice(
                    Some(app),
                    level,
                    format!("{what} of {app}{revision}: {outcome}"),
                );
            }
            None => {
                let failures = loaded.renders.keys().filter(|n| failed(n)).count();
                let message = format!(
                    "{what} of {} apps{revision}: rendered, {failures} failed; comparing",
                    loaded.renders.len()
                );
                self.notice(None, NoticeLevel::Info, message);
            }
        }
    }
}
