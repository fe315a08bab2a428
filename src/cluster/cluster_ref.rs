//! One reachable destination: its client, who it is, and its discovery
//! cache.

use std::sync::Arc;
use std::time::Instant;

use super::discovery::{self, ApiResourceInfo, ApiResources};
use super::error::{Caller, ClusterError};

/// What plumb shows about a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The kubeconfig context name (`sandbox` for the built-in one).
    pub name: String,
    /// The API server URL.
    pub server: String,
    pub is_sandbox: bool,
    /// The kubeconfig's current context, which `https://kubernetes.default.svc` means.
    pub is_current: bool,
}

/// A handle on one cluster; cheap to clone, shared by everything using it.
#[derive(Clone)]
pub struct ClusterRef {
    inner: Arc<Inner>,
}

struct Inner {
    info: ClusterInfo,
    caller: Caller,
    client: kube::Client,
    /// The last discovery and when it was fetched.
    discovery: tokio::sync::Mutex<Option<(Arc<ApiResources>, Instant)>>,
}

impl std::fmt::Debug for ClusterRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterRef")
            .field("info", &self.inner.info)
            .finish_non_exhaustive()
    }
}

impl ClusterRef {
    /// `user` is the kubeconfig user, named in authorization errors.
    pub fn new(info: ClusterInfo, user: Option<String>, client: kube::Client) -> Self {
        let caller = Caller {
            cluster: info.name.clone(),
            server: info.server.clone(),
            user: user.unwrap_or_else(|| info.name.clone()),
        };
        Self {
            inner: Arc::new(Inner {
                info,
                caller,
                client,
                discovery: tokio::sync::Mutex::new(None),
            }),
        }
    }

    pub fn info(&self) -> &ClusterInfo {
        &self.inner.info
    }

    pub fn client(&self) -> kube::Client {
        self.inner.client.clone()
    }

    pub(crate) fn caller(&self) -> &Caller {
        &self.inner.caller
    }

    /// Turns a kube-rs error into one naming this cluster.
    pub fn error(&self, error: kube::Error) -> ClusterError {
        self.inner.caller.error(error)
    }

    /// Asks the server its version: `Ok` when it is reachable and accepts
    /// our credentials.
    pub async fn probe(&self) -> Result<(), ClusterError> {
        self.inner
            .client
            .apiserver_version()
            .await
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// The kinds the cluster serves, discovered once and then cached.
    pub async fn api_resources(&self) -> Result<Arc<ApiResources>, ClusterError> {
        let mut cached = self.inner.discovery.lock().await;
        if let Some((resources, _)) = cached.as_ref() {
            return Ok(resources.clone());
        }
        let fresh = self.discover().await?;
        *cached = Some((fresh.clone(), Instant::now()));
        Ok(fresh)
    }

    /// Discovers again (after a CRD appeared or went away).
    pub async fn refresh_api_resources(&self) -> Result<Arc<ApiResources>, ClusterError> {
        self.refresh_if_older_than(Instant::now()).await
    }

    /// The served kind, rediscovering once when it is not known yet (a CRD
    /// applied since the last discovery). `None` when the server does not
    /// serve it.
    pub async fn resource_for(
        &self,
        group: &str,
        kind: &str,
    ) -> Result<Option<ApiResourceInfo>, ClusterError> {
        let asked = Instant::now();
        let known = self.api_resources().await?;
        if let Some(info) = known.lookup(group, kind) {
            return Ok(Some(info.clone()));
        }
        let fresh = self.refresh_if_older_than(asked).await?;
        Ok(fresh.lookup(group, kind).cloned())
    }

    /// Rediscovers unless a discovery newer than `moment` is cached, so
    /// concurrent misses share one round of requests.
    async fn refresh_if_older_than(
        &self,
        moment: Instant,
    ) -> Result<Arc<ApiResources>, ClusterError> {
        let mut cached = self.inner.discovery.lock().await;
        if let Some((resources, fetched)) = cached.as_ref()
            && *fetched > moment
        {
            return Ok(resources.clone());
        }
        let fresh = self.discover().await?;
        *cached = Some((fresh.clone(), Instant::now()));
        Ok(fresh)
    }

    async fn discover(&self) -> Result<Arc<ApiResources>, ClusterError> {
        discovery::discover(self.client())
            .await
            .map(Arc::new)
            .map_err(|e| self.error(e))
    }
}
