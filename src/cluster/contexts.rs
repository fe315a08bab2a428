//! Every destination plumb can reach: the kubeconfig's contexts, or the
//! built-in sandbox when there is no kubeconfig, and how an Argo CD
//! destination picks one of them.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::cluster_ref::{ClusterInfo, ClusterRef};
use super::error::ClusterError;
use crate::config::Paths;
use crate::model::Destination;
use crate::sandbox::Sandbox;
use crate::sandbox::connect::{self, Connection, Owner};

/// The URL Argo CD uses for the cluster it runs in; plumb maps it to the
/// current context.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
/// Argo CD's name for that cluster.
pub const IN_CLUSTER_NAME: &str = "in-cluster";
/// The name of the built-in sandbox when it is the only cluster.
pub const SANDBOX_NAME: &str = "sandbox";

/// The clusters plumb can reach.
pub struct Clusters {
    usable: Vec<ClusterRef>,
    /// Contexts whose kubeconfig entry cannot make a client, with why.
    broken: Vec<(ClusterInfo, ClusterError)>,
    /// The sandbox, when this process owns it: its controllers run and it is
    /// served on loopback for kubectl and other plumb processes while this
    /// lives.
    sandbox: Option<Owner>,
}

impl Clusters {
    /// The kubeconfig (`KUBECONFIG`, else `~/.kube/config`): one cluster per
    /// context. Without one, the sandbox in `<data_dir>/sandbox` is the only
    /// cluster. Must be called inside a tokio runtime.
    pub async fn discover(paths: &Paths) -> Result<Clusters, ClusterError> {
        Self::load(paths, &kubeconfig_files()).await
    }

    /// Like [`Clusters::discover`] with the kubeconfig files given: the
    /// existing ones are merged (as kubectl does); none → the sandbox.
    pub async fn load(
        paths: &Paths,
        kubeconfig_files: &[PathBuf],
    ) -> Result<Clusters, ClusterError> {
        let mut merged: Option<Kubeconfig> = None;
        for path in kubeconfig_files {
            if !path.exists() {
                tracing::warn!(path = %path.display(), "kubeconfig file does not exist; skipped");
                continue;
            }
            let unreadable = |message: String| ClusterError::Kubeconfig {
                path: path.display().to_string(),
                message,
            };
            let file = Kubeconfig::read_from(path).map_err(|e| unreadable(e.to_string()))?;
            merged = Some(match merged {
                Some(m) => m.merge(file).map_err(|e| unreadable(e.to_string()))?,
                None => file,
            });
        }
        match merged {
            Some(kubeconfig) if !kubeconfig.contexts.is_empty() => {
                Ok(Self::from_kubeconfig(kubeconfig).await)
            }
            _ => Self::sandbox_only(&paths.data_dir).await,
        }
    }

    /// One cluster per context of a parsed kubeconfig. A context that cannot
    /// make a client is kept with its error, which resolving it returns.
    pub async fn from_kubeconfig(kubeconfig: Kubeconfig) -> Clusters {
        let current = kubeconfig.current_context.clone();
        let mut clusters = Clusters {
            usable: Vec::new(),
            broken: Vec::new(),
            sandbox: None,
        };
        for named in &kubeconfig.contexts {
            let context = named.context.as_ref();
            let server = context
                .and_then(|c| kubeconfig.clusters.iter().find(|n| n.name == c.cluster))
                .and_then(|n| n.cluster.as_ref())
                .and_then(|c| c.server.clone())
                .unwrap_or_default();
            let info = ClusterInfo {
                name: named.name.clone(),
                server,
                is_sandbox: named.name == crate::sandbox::kubeconfig::CONTEXT,
                is_current: current.as_deref() == Some(named.name.as_str()),
            };
            let options = KubeConfigOptions {
                context: Some(named.name.clone()),
                ..KubeConfigOptions::default()
            };
            let client =
                match kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options).await {
                    Ok(config) => kube::Client::try_from(config).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
            match client {
                Ok(client) => {
                    let user = context.and_then(|c| c.user.clone());
                    clusters.usable.push(ClusterRef::new(info, user, client));
                }
                Err(message) => {
                    let error = ClusterError::BadContext {
                        cluster: info.name.clone(),
                        message,
                    };
                    clusters.broken.push((info, error));
                }
            }
        }
        clusters
    }

    /// The sandbox in `<data_dir>/sandbox` as the only cluster: owned (and
    /// served) by this process, or reached through the owner's kubeconfig.
    async fn sandbox_only(data_dir: &Path) -> Result<Clusters, ClusterError> {
        let connection =
            connect::default_connection(data_dir)
                .await
                .map_err(|e| ClusterError::Sandbox {
                    message: e.to_string(),
                })?;
        let client = connection.client();
        let sandbox = match connection {
            Connection::Owner(owner) => Some(owner),
            Connection::Remote(_) => None,
        };
        let info = ClusterInfo {
            name: SANDBOX_NAME.into(),
            server: IN_CLUSTER_SERVER.into(),
            is_sandbox: true,
            is_current: true,
        };
        let mut clusters = Self::from_clients(vec![(info, client)]);
        clusters.sandbox = sandbox;
        Ok(clusters)
    }

    /// Clusters from ready clients (tests, or a sandbox in process).
    pub fn from_clients(entries: Vec<(ClusterInfo, kube::Client)>) -> Clusters {
        Clusters {
            usable: entries
                .into_iter()
                .map(|(info, client)| ClusterRef::new(info, None, client))
                .collect(),
            broken: Vec::new(),
            sandbox: None,
        }
    }

    /// Every cluster, usable or not, in kubeconfig order.
    pub fn infos(&self) -> Vec<ClusterInfo> {
        let mut infos: Vec<ClusterInfo> = self.usable.iter().map(|c| c.info().clone()).collect();
        infos.extend(self.broken.iter().map(|(info, _)| info.clone()));
        infos
    }

    /// The usable clusters.
    pub fn all(&self) -> &[ClusterRef] {
        &self.usable
    }

    /// The sandbox, when this process owns it.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref().map(|owner| &owner.sandbox)
    }

    /// Argo CD's rules: `name` is a context name (`in-cluster` = the current
    /// context), `server` a context's cluster URL (the current context
    /// first when several share it), `https://kubernetes.default.svc` the
    /// current context.
    pub fn resolve(&self, dest: &Destination) -> Result<ClusterRef, ClusterError> {
        let name = dest.name.as_deref().filter(|n| !n.is_empty());
        let server = dest.server.as_deref().filter(|s| !s.is_empty());
        let found = match (name, server) {
            (Some(_), Some(_)) => {
                return Err(ClusterError::AmbiguousDestination {
                    destination: describe(dest),
                });
            }
            (Some(name), None) => self
                .find(|info| info.name == name)
                .or_else(|| (name == IN_CLUSTER_NAME).then(|| self.current()).flatten()),
            (None, Some(server)) => {
                let wanted = normalize(server);
                self.find(|info| info.is_current && normalize(&info.server) == wanted)
                    .or_else(|| self.find(|info| normalize(&info.server) == wanted))
                    .or_else(|| {
                        (wanted == IN_CLUSTER_SERVER)
                            .then(|| self.current())
                            .flatten()
                    })
            }
            (None, None) => None,
        };
        match found {
            Some(Ok(cluster)) => Ok(cluster),
            Some(Err(error)) => Err(error),
            None => Err(ClusterError::UnknownDestination {
                destination: describe(dest),
                known: self.known(),
            }),
        }
    }

    fn current(&self) -> Option<Result<ClusterRef, ClusterError>> {
        self.find(|info| info.is_current)
    }

    /// The first cluster matching, usable ones before broken ones.
    fn find(
        &self,
        matches: impl Fn(&ClusterInfo) -> bool,
    ) -> Option<Result<ClusterRef, ClusterError>> {
        if let Some(cluster) = self.usable.iter().find(|c| matches(c.info())) {
            return Some(Ok(cluster.clone()));
        }
        self.broken
            .iter()
            .find(|(info, _)| matches(info))
            .map(|(_, error)| Err(error.clone()))
    }

    fn known(&self) -> String {
        let names: Vec<String> = self
            .infos()
            .iter()
            .map(|i| format!("{} ({})", i.name, i.server))
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    }
}

/// The kubeconfig files to read, as kubectl finds them: `KUBECONFIG`'s
/// list, else `~/.kube/config`.
pub fn kubeconfig_files() -> Vec<PathBuf> {
    match std::env::var_os("KUBECONFIG") {
        Some(list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => std::env::home_dir()
            .map(|home| vec![home.join(".kube").join("config")])
            .unwrap_or_default(),
    }
}

fn normalize(server: &str) -> &str {
    server.trim_end_matches('/')
}

/// `name=prod` / `server=https://...` plus the namespace, for messages.
fn describe(dest: &Destination) -> String {
    let mut parts = Vec::new();
    if let Some(name) = dest.name.as_deref().filter(|n| !n.is_empty()) {
        parts.push(format!("name={name}"));
    }
    if let Some(server) = dest.server.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("server={server}"));
    }
    if parts.is_empty() {
        parts.push("with neither name nor server".into());
    }
    if let Some(ns) = dest.namespace.as_deref().filter(|n| !n.is_empty()) {
        parts.push(format!("namespace={ns}"));
    }
    format!("({})", parts.join(" "))
}
