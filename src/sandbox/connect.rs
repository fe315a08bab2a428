//! How a plumb process reaches the sandbox: it owns the state (opens it in
//! process, runs the controllers and serves it on loopback for kubectl and
//! other processes), or another process does and it connects through that
//! process's kubeconfig.
//!
//! The lock decides who owns the state; the kubeconfig only says where the
//! owner listens. An owner removes a kubeconfig left behind by a dead owner
//! as soon as it holds the lock, and its own when it stops, so a process that
//! finds the lock held waits for a kubeconfig that answers.

use std::path::Path;
use std::time::Duration;

use super::Sandbox;
use super::clock::Clock;
use super::kubeconfig;
use super::persist::PersistError;
use super::serve::{ServeError, Served};

/// The file name of the kubeconfig the owner writes in the sandbox dir.
pub const KUBECONFIG: &str = "kubeconfig";

/// How long a process waits for the owner's kubeconfig to appear and answer.
const OWNER_WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);

/// A way to talk to the sandbox.
pub enum Connection {
    /// This process owns the state.
    Owner(Owner),
    /// Another process owns it; this client talks to it over loopback.
    Remote(kube::Client),
}

impl Connection {
    pub fn client(&self) -> kube::Client {
        match self {
            Self::Owner(owner) => owner.sandbox.client(),
            Self::Remote(c) => c.clone(),
        }
    }
}

/// This process's ownership of the sandbox state. Dropping it stops the
/// controllers and the server, removes the kubeconfig and releases the lock.
pub struct Owner {
    pub sandbox: Sandbox,
    /// Where it is served, when it is.
    pub served: Option<Served>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Owner {
    /// Owns the state in `dir` without controllers or a socket (what tests
    /// that step the cluster themselves want).
    fn bare(sandbox: Sandbox) -> Self {
        Self {
            sandbox,
            served: None,
            tasks: Vec::new(),
        }
    }

    /// Takes the state in `dir` (failing with `Locked` when another process
    /// owns it), runs the controllers on the real clock and serves it on
    /// 127.0.0.1:`port` (0 = any free port) with a fresh token, writing the
    /// kubeconfig (mode 0600) to `dir`. Must be called inside a tokio runtime.
    pub async fn start(dir: &Path, port: u16) -> Result<Self, ConnectError> {
        let sandbox = Sandbox::open(dir, Clock::Real, Some(kubeconfig::new_token()))?;
        let path = dir.join(KUBECONFIG);
        remove_kubeconfig(&path);
        let mut owner = Self::bare(sandbox);
        owner
            .tasks
            .push(owner.sandbox.spawn_cluster_controllers().abort_handle());
        let (served, server) = super::serve::serve(&owner.sandbox, port, path).await?;
        owner.tasks.push(tokio::spawn(server).abort_handle());
        owner.served = Some(served);
        Ok(owner)
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(served) = &self.served {
            remove_kubeconfig(&served.kubeconfig);
        }
        self.sandbox.close();
    }
}

fn remove_kubeconfig(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(
            "cannot remove the sandbox kubeconfig {}: {e}",
            path.display()
        );
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(
        "the sandbox in {dir} is owned by another process, but its kubeconfig is unusable: {message}"
    )]
    Kubeconfig { dir: String, message: String },
}

/// The cluster every plumb process uses when no kubeconfig is configured:
/// the sandbox in `<data_dir>/sandbox`. Owned and served by this process
/// when nobody else owns it, else reached through the owner's kubeconfig.
/// Must be called inside a tokio runtime.
pub async fn default_connection(data_dir: &Path) -> Result<Connection, ConnectError> {
    let dir = data_dir.join("sandbox");
    connect_with(&dir, |dir| Box::pin(Owner::start(dir, 0))).await
}

/// Opens the sandbox state in `dir` without serving it or running
/// controllers, or connects to the process owning it. Must be called inside
/// a tokio runtime.
pub async fn open_or_connect(dir: &Path) -> Result<Connection, ConnectError> {
    connect_with(dir, |dir| {
        let opened = Sandbox::open(dir, Clock::Real, None);
        Box::pin(async move { Ok(Owner::bare(opened?)) })
    })
    .await
}

type Opening<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Owner, ConnectError>> + 'a>>;

async fn connect_with<'a>(
    dir: &'a Path,
    open: impl Fn(&'a Path) -> Opening<'a>,
) -> Result<Connection, ConnectError> {
    let deadline = tokio::time::Instant::now() + OWNER_WAIT;
    loop {
        match open(dir).await {
            Ok(owner) => return Ok(Connection::Owner(owner)),
            Err(ConnectError::Persist(PersistError::Locked(_))) => {}
            Err(e) => return Err(e),
        }
        let problem = match remote_client(&dir.join(KUBECONFIG)).await {
            Ok(client) => return Ok(Connection::Remote(client)),
            Err(problem) => problem,
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(ConnectError::Kubeconfig {
                dir: dir.display().to_string(),
                message: problem,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A client for the owner's kubeconfig, once the owner answers through it.
async fn remote_client(path: &Path) -> Result<kube::Client, String> {
    if !path.exists() {
        return Err("the owner has not written it yet".into());
    }
    let kubeconfig = kube::config::Kubeconfig::read_from(path).map_err(|e| e.to_string())?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    let client = kube::Client::try_from(config).map_err(|e| e.to_string())?;
    client
        .apiserver_version()
        .await
        .map_err(|e| format!("the owner does not answer: {e}"))?;
    Ok(client)
}
