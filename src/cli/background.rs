//! `plumb app sync --async`: the same command without `--async`, run as a
//! detached child writing to a log, and left once the store shows its
//! operation (so it holds the app's lease).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};
use jiff::Timestamp;

use crate::config::Paths;
use crate::engine::store::Store;

/// How long the child may take to store its operation.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the store is read while waiting.
const START_POLL: Duration = Duration::from_millis(200);

/// Starts the sync of `app` in the background and returns once its
/// operation (begun at or after `since`) is stored.
pub async fn start(
    app: &str,
    store: Store,
    since: Timestamp,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let log = log_path(app)?;
    let mut child = spawn_foreground(&log)?;
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        let exited = child.try_wait()?;
        let state = store.load(app).await?;
        if let Some(op) = state.operation.filter(|op| op.started_at() >= since) {
            writeln!(
                out,
                "Operation started in the background by {} (pid {}): {}; follow it with `plumb app wait {app}`, log in {}",
                op.request.initiated_by.username,
                child.id(),
                op.phase().as_str(),
                log.display()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(status) = exited {
            bail!(
                "the background sync of {app} ended ({status}) before starting its operation; see {}",
                log.display()
            );
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "the background sync of {app} (pid {}) has not started its operation after {} s; see {}",
                child.id(),
                START_TIMEOUT.as_secs(),
                log.display()
            );
        }
        tokio::time::sleep(START_POLL).await;
    }
}

fn log_path(app: &str) -> Result<PathBuf> {
    let dir = Paths::discover()?.state_dir;
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join(format!("sync-{app}.log")))
}

/// This very command line without `--async`, detached from the terminal,
/// its output appended to `log`.
fn spawn_foreground(log: &PathBuf) -> Result<Child> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .wrap_err_with(|| format!("cannot open the log {}", log.display()))?;
    let exe = std::env::current_exe().wrap_err("cannot find the plumb executable")?;
    let mut command = Command::new(exe);
    command
        .args(std::env::args_os().skip(1).filter(|arg| arg != "--async"))
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn().wrap_err("cannot start the background sync")
}
