//! The terminal console.
//!
//! [`app::App`] holds UI state and turns messages into engine
//! [`Command`](crate::engine::snapshot::Command)s; [`views`] draws it;
//! [`runner::run`] joins both to a terminal and an engine
//! [`Handle`](crate::engine::snapshot::Handle).

pub mod app;
pub mod command_line;
pub mod diff_pane;
pub mod fleet;
pub mod keymap;
pub mod modal;
mod navigation;
mod operations;
pub mod plan;
pub mod runner;
pub mod theme;
pub mod views;

use std::sync::Arc;

use crate::engine::snapshot::{AppView, Snapshot};
use crate::source::discovery::Catalog;

/// A snapshot of the catalog alone (apps listed, nothing compared), for
/// showing the apps before an engine publishes.
pub fn catalog_snapshot(catalog: &Catalog) -> Snapshot {
    let apps = catalog
        .apps
        .iter()
        .map(|entry| {
            let app = &entry.app;
            let policy = app.spec.sync_policy.as_ref();
            let automated = policy
                .and_then(|p| p.automated.as_ref())
                .filter(|a| a.enabled != Some(false));
            let dest = app.spec.destination.as_ref();
            let cluster = dest
                .and_then(|d| d.name.clone().or_else(|| d.server.clone()))
                .unwrap_or_default();
            Arc::new(AppView {
                name: app.metadata.name.clone(),
                app: Arc::new(app.clone()),
                file: entry.file.clone(),
                parent: entry.parent.clone(),
                appset: None,
                cluster,
                comparison: None,
                operation: None,
                last_operation: None,
                history: Vec::new(),
                commits: Vec::new(),
                auto_sync: automated.is_some(),
                self_heal: automated.is_some_and(|a| a.self_heal),
                freeze: None,
                auto_sync_paused: None,
                timeline: Vec::new(),
                compared_at: None,
                preview: None,
            })
        })
        .collect();
    Snapshot {
        generation: 1,
        apps,
        diagnostics: catalog.diagnostics.clone(),
        ..Default::default()
    }
}

/// Restores the terminal (raw mode off, main screen, cursor shown) before a
/// panic report is printed, then hands over to the previous hook.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Leaves raw mode and the alternate screen; harmless when neither is active.
pub fn restore_terminal() {
    use ratatui::crossterm::{cursor, execute, terminal};
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Starts the console on a catalog-only snapshot until the engine can be
/// spawned: commands are answered with a notice that nothing ran.
pub fn run_catalog_console(catalog: &Catalog, readonly: bool) -> color_eyre::eyre::Result<()> {
    use tokio::sync::{broadcast, mpsc, watch};

    use crate::engine::snapshot::{Handle, Notice, NoticeLevel};

    let paths = crate::config::Paths::discover()?;
    let settings = crate::config::Settings::load(&paths.settings_file())?.settings;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (command_tx, mut command_rx) = mpsc::channel(16);
        let (_snapshot_tx, snapshot_rx) = watch::channel(Arc::new(catalog_snapshot(catalog)));
        let (notice_tx, _) = broadcast::channel(16);
        let handle = Handle::new(command_tx, snapshot_rx, notice_tx.clone());
        tokio::spawn(async move {
            while let Some(command) = command_rx.recv().await {
                let _ = notice_tx.send(Notice {
                    app: None,
                    level: NoticeLevel::Warning,
                    message: format!(
                        "the engine is not running here: {command:?} was not carried out"
                    ),
                });
            }
        });
        let app = app::App::new(
            handle.snapshot(),
            keymap::Keymap::load(&paths.config_dir),
            theme::Theme::load(&paths.config_dir, no_color()),
            readonly,
            &settings.tui.production,
        );
        runner::run(handle, app).await
    })?;
    Ok(())
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
