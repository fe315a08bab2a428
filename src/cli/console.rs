//! `plumb` without a subcommand: the console on a running engine, against
//! the kubeconfig's clusters (or the sandbox this process then owns).

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;

use super::context::{Context, SourceArgs};
use crate::cluster::Clusters;
use crate::config::{Paths, Settings};
use crate::engine::reconcile::{Engine, EngineConfig};
use crate::engine::settings::CompareSettings;
use crate::tui;

/// How long quitting waits for background work (a render, a write) to stop.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

pub fn run(source: &SourceArgs, readonly: bool) -> Result<()> {
    let ctx = Context::new(source)?;
    let paths = Paths::discover()?;
    let settings = Settings::load(&paths.settings_file())?.settings;
    let compare = CompareSettings::load(&settings, &paths.config_dir)?;
    let (workspace, root, _log_guard) = ctx.into_parts();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let clusters = Arc::new(Clusters::discover(&paths).await?);
        let config = EngineConfig::new(Arc::new(workspace), root, clusters, Arc::new(compare))
            .with_engine_settings(&settings.engine)
            .readonly(readonly);
        let handle = Engine::spawn(config);
        let app = tui::app::App::new(
            handle.snapshot(),
            tui::keymap::Keymap::load(&paths.config_dir),
            tui::theme::Theme::load(&paths.config_dir, tui::no_color()),
            readonly,
            &settings.tui.production,
        );
        tui::runner::run(handle, app, settings.tui.mouse).await?;
        Ok(())
    });
    runtime.shutdown_timeout(SHUTDOWN_WAIT);
    result
}
