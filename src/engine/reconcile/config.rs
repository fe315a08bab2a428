//! What the loop needs to run, and its timings.

use std::sync::Arc;
use std::time::Duration;

use crate::cluster::{Clusters, local_holder};
use crate::config::EngineSettings;
use crate::engine::policy::SelfHealSettings;
use crate::engine::settings::CompareSettings;
use crate::source::workspace::{RootSpec, Workspace};

/// The engine's inputs; timings have Argo CD's defaults until changed.
#[derive(Clone)]
pub struct EngineConfig {
    pub(super) workspace: Arc<Workspace>,
    pub(super) root: RootSpec,
    pub(super) clusters: Arc<Clusters>,
    pub(super) settings: Arc<CompareSettings>,
    /// Between Git polls; zero turns polling off.
    pub(super) poll_interval: Duration,
    /// The fraction each poll interval is varied by, either way.
    pub(super) poll_jitter: f64,
    /// How long live changes are gathered before comparing again.
    pub(super) debounce: Duration,
    pub(super) self_heal: SelfHealSettings,
    /// Who runs this engine's operations (the lease holder, `user@host`).
    pub(super) holder: String,
    /// How long automated sync leaves an app alone after this engine's
    /// operation on it ended (the live cache catching up).
    pub(super) settle: Duration,
    /// How often a running operation looks at the cluster when idle.
    pub(super) idle_poll: Duration,
    /// Seconds between sync waves; `None` keeps Argo CD's default.
    pub(super) wave_delay_seconds: Option<u64>,
    /// Nothing that writes to a cluster: no automated sync, commands refused.
    pub(super) readonly: bool,
}

impl EngineConfig {
    pub fn new(
        workspace: Arc<Workspace>,
        root: RootSpec,
        clusters: Arc<Clusters>,
        settings: Arc<CompareSettings>,
    ) -> Self {
        EngineConfig {
            workspace,
            root,
            clusters,
            settings,
            poll_interval: Duration::from_secs(180),
            poll_jitter: 0.1,
            debounce: Duration::from_millis(250),
            self_heal: SelfHealSettings::default(),
            holder: local_holder(),
            settle: Duration::from_secs(1),
            idle_poll: Duration::from_secs(1),
            wave_delay_seconds: None,
            readonly: false,
        }
    }

    /// The poll interval and self-heal backoff of the `[engine]` settings.
    pub fn with_engine_settings(self, engine: &EngineSettings) -> Self {
        let self_heal = SelfHealSettings {
            backoff_timeout: Duration::from_secs(engine.self_heal_backoff_seconds),
            backoff_factor: engine.self_heal_backoff_factor.max(1),
            backoff_cap: Duration::from_secs(engine.self_heal_backoff_cap_seconds),
            ..self.self_heal
        };
        self.with_poll_interval(Duration::from_secs(engine.poll_interval_seconds))
            .with_self_heal(self_heal)
    }

    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    pub fn with_debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    pub fn with_self_heal(mut self, self_heal: SelfHealSettings) -> Self {
        self.self_heal = self_heal;
        self
    }

    pub fn with_holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    pub fn with_idle_poll(mut self, idle_poll: Duration) -> Self {
        self.idle_poll = idle_poll;
        self
    }

    pub fn with_wave_delay_seconds(mut self, seconds: u64) -> Self {
        self.wave_delay_seconds = Some(seconds);
        self
    }

    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }
}
