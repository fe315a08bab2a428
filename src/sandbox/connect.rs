//! How a plumb process reaches the sandbox: it owns the state (opens it in
//! process), or another process does and it connects through that
//! process's kubeconfig.

use std::path::Path;

use super::Sandbox;
use super::clock::Clock;
use super::persist::PersistError;

/// The file name of the kubeconfig the owner writes in the sandbox dir.
pub const KUBECONFIG: &str = "kubeconfig";

/// A way to talk to the sandbox.
pub enum Connection {
    /// This process owns the state.
    Owner(Sandbox),
    /// Another process owns it; this client talks to it over loopback.
    Remote(kube::Client),
}

impl Connection {
    pub fn client(&self) -> kube::Client {
        match self {
            Self::Owner(s) => s.client(),
            Self::Remote(c) => c.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error(
        "the sandbox in {dir} is owned by another process, but its kubeconfig is unusable: {message}"
    )]
    Kubeconfig { dir: String, message: String },
}

/// Opens the sandbox state in `dir`, or connects to the process owning it.
/// Must be called inside a tokio runtime.
pub async fn open_or_connect(dir: &Path) -> Result<Connection, ConnectError> {
    match Sandbox::open(dir, Clock::Real, None) {
        Ok(sandbox) => Ok(Connection::Owner(sandbox)),
        Err(PersistError::Locked(_)) => {
            let unusable = |message: String| ConnectError::Kubeconfig {
                dir: dir.display().to_string(),
                message,
            };
            let kubeconfig = kube::config::Kubeconfig::read_from(dir.join(KUBECONFIG))
                .map_err(|e| unusable(e.to_string()))?;
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .map_err(|e| unusable(e.to_string()))?;
            let client = kube::Client::try_from(config).map_err(|e| unusable(e.to_string()))?;
            Ok(Connection::Remote(client))
        }
        Err(e) => Err(e.into()),
    }
}
