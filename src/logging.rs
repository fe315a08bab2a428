//! Tracing to a file in the state dir; the terminal stays clean for the TUI.

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Sends `tracing` output to `<state_dir>/plumb.log`. The level comes from
/// `PLUMB_LOG` (an EnvFilter directive), `info` by default. Keep the guard
/// alive for the life of the process so buffered lines are flushed.
pub fn init(state_dir: &Path) -> Result<WorkerGuard> {
    std::fs::create_dir_all(state_dir)
        .wrap_err_with(|| format!("cannot create the state dir {}", state_dir.display()))?;
    let appender = tracing_appender::rolling::never(state_dir, "plumb.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("PLUMB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| color_eyre::eyre::eyre!("cannot start logging: {e}"))?;
    Ok(guard)
}
