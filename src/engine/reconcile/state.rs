//! Each app's stored runtime state (history, operation, freeze, auto-sync
//! overrides) and the global freeze, read in the background: at start, on
//! polls and refreshes, and whenever the live cache sees their ConfigMaps
//! change (another plumb's operation or freeze shows at once).

use std::collections::HashMap;

use serde_json::Value;

use super::engine::{Internal, Reconciler};
use super::live::LiveRead;
use crate::cluster::SYSTEM_NAMESPACE;
use crate::engine::store::{GLOBAL_CONFIG_MAP, Store, config_map_name};
use crate::model::ResourceKey;

impl Reconciler {
    /// Reads every app's state and the global freeze; with `recover`,
    /// operations a dead plumb left behind are first recorded as interrupted.
    pub(super) fn load_states(&self, recover: bool) {
        for at in 0..self.apps.len() {
            self.load_state(at, recover);
        }
        self.load_global_freeze();
    }

    pub(super) fn load_state(&self, at: usize, recover: bool) {
        let entry = &self.apps[at];
        let Ok(cluster) = entry.cluster.clone() else {
            return;
        };
        let (app, limit) = (entry.name().to_owned(), entry.app().spec.history_limit());
        let writes = entry.writes;
        // Another name than the operations' holder, so recovery never
        // takes over this engine's own live lease.
        let reader = format!("{} (pid {})", self.config.holder, std::process::id());
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let store = Store::new(cluster);
            if recover && let Err(error) = store.recover_interrupted(&app, &reader, limit).await {
                tracing::warn!(%app, %error, "cannot look for an interrupted operation");
            }
            match store.load(&app).await {
                Ok(state) => {
                    let state = Box::new(state);
                    let _ = internal.send(Internal::State { app, state, writes });
                }
                Err(error) => tracing::warn!(%app, %error, "cannot read the stored state"),
            }
        });
    }

    fn load_global_freeze(&self) {
        let Some(cluster) = self.config.clusters.all().first().cloned() else {
            return;
        };
        let internal = self.internal.clone();
        let writes = self.global_writes;
        tokio::spawn(async move {
            match Store::new(cluster).global_freeze().await {
                Ok(freeze) => {
                    let _ = internal.send(Internal::GlobalFreeze(freeze, writes));
                }
                Err(error) => tracing::warn!(%error, "cannot read the global freeze"),
            }
        });
    }

    /// Reads again the states whose ConfigMaps changed in the live reads.
    pub(super) fn follow_store(&mut self, reads: &HashMap<String, LiveRead>) {
        for at in 0..self.apps.len() {
            let Ok(cluster) = &self.apps[at].cluster else {
                continue;
            };
            let Some(LiveRead::Ready(read)) = reads.get(&cluster.info().name) else {
                continue;
            };
            let version = version(
                read.index
                    .get(&state_key(&config_map_name(self.apps[at].name()))),
            );
            if self.apps[at].state_version != version {
                self.apps[at].state_version = version;
                self.load_state(at, false);
            }
        }
        let first = self
            .config
            .clusters
            .all()
            .first()
            .map(|c| c.info().name.clone());
        if let Some(LiveRead::Ready(read)) = first.and_then(|name| reads.get(&name)) {
            let version = version(read.index.get(&state_key(GLOBAL_CONFIG_MAP)));
            if self.global_version != version {
                self.global_version = version;
                self.load_global_freeze();
            }
        }
    }
}

fn state_key(name: &str) -> ResourceKey {
    ResourceKey::new("", "ConfigMap", SYSTEM_NAMESPACE, name)
}

fn version(object: Option<&std::sync::Arc<Value>>) -> Option<String> {
    object
        .and_then(|o| o.pointer("/metadata/resourceVersion"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}
