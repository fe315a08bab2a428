//! What can go wrong reaching a cluster, always naming the cluster and the
//! cause so the message stands on its own in a status line.

use std::error::Error as StdError;

/// A failure talking to (or choosing) a cluster. Cloneable so a cache can
/// keep the last one and hand it to every app on that cluster.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClusterError {
    /// The server could not be reached at all (refused, DNS, TLS, timeout).
    #[error("cluster {cluster} is unreachable at {server}: {message}")]
    Unreachable {
        cluster: String,
        server: String,
        message: String,
    },
    /// The server refused the credentials (401), or they could not be obtained.
    #[error("cluster {cluster} rejected the credentials of user {user}: {message}")]
    Unauthenticated {
        cluster: String,
        user: String,
        message: String,
    },
    /// The server forbade the request (403).
    #[error("cluster {cluster}: user {user} is not allowed to do this: {message}")]
    Forbidden {
        cluster: String,
        user: String,
        message: String,
    },
    /// Any other answer from the server.
    #[error("cluster {cluster} answered {code} {reason}: {message}")]
    Api {
        cluster: String,
        code: u16,
        reason: String,
        message: String,
    },
    /// A request that failed on our side (an unreadable answer, a bad request).
    #[error("cluster {cluster}: {message}")]
    Request { cluster: String, message: String },
    /// No cluster matches an application's destination.
    #[error("no cluster matches destination {destination}; known clusters: {known}")]
    UnknownDestination { destination: String, known: String },
    /// The destination sets both `name` and `server`, which Argo CD refuses.
    #[error(
        "destination {destination} sets both name and server; set only one (as Argo CD requires)"
    )]
    AmbiguousDestination { destination: String },
    /// A kubeconfig context that cannot be turned into a client.
    #[error("cluster {cluster}: its kubeconfig context is unusable: {message}")]
    BadContext { cluster: String, message: String },
    /// A kubeconfig file that cannot be read or merged.
    #[error("cannot read the kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    /// The built-in sandbox could not be opened or reached.
    #[error("cannot open the sandbox: {message}")]
    Sandbox { message: String },
}

impl ClusterError {
    /// Whether this failure means nothing on the cluster can be read (as
    /// opposed to one kind or one object failing).
    pub fn makes_cluster_unusable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Unauthenticated { .. } | Self::BadContext { .. }
        )
    }
}

/// Who is asking which cluster: the context for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub cluster: String,
    pub server: String,
    /// The kubeconfig user, or the context name when none is known.
    pub user: String,
}

impl Caller {
    /// Classifies a kube-rs error into what an SRE needs to know.
    pub fn error(&self, error: kube::Error) -> ClusterError {
        match error {
            kube::Error::Api(status) => {
                self.status_error(status.code, status.reason, status.message)
            }
            kube::Error::Auth(e) => ClusterError::Unauthenticated {
                cluster: self.cluster.clone(),
                user: self.user.clone(),
                message: chain(&e),
            },
            e @ (kube::Error::HyperError(_)
            | kube::Error::Service(_)
            | kube::Error::ReadEvents(_)
            | kube::Error::TlsRequired
            | kube::Error::RustlsTls(_)
            | kube::Error::ProxyProtocolUnsupported { .. }
            | kube::Error::ProxyProtocolDisabled { .. }) => self.unreachable(chain(&e)),
            other => ClusterError::Request {
                cluster: self.cluster.clone(),
                message: chain(&other),
            },
        }
    }

    /// The error for a failed watch, whichever stage it failed in.
    pub fn watch_error(&self, error: kube::runtime::watcher::Error) -> ClusterError {
        use kube::runtime::watcher::Error as W;
        match error {
            W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => self.error(e),
            W::WatchError(status) => self.status_error(status.code, status.reason, status.message),
            W::NoResourceVersion => ClusterError::Request {
                cluster: self.cluster.clone(),
                message: "the server sent no resourceVersion, so this kind cannot be watched"
                    .into(),
            },
        }
    }

    pub fn unreachable(&self, message: String) -> ClusterError {
        ClusterError::Unreachable {
            cluster: self.cluster.clone(),
            server: self.server.clone(),
            message,
        }
    }

    fn status_error(&self, code: u16, reason: String, message: String) -> ClusterError {
        let (cluster, user) = (self.cluster.clone(), self.user.clone());
        match code {
            401 => ClusterError::Unauthenticated {
                cluster,
                user,
                message,
            },
            403 => ClusterError::Forbidden {
                cluster,
                user,
                message,
            },
            _ => ClusterError::Api {
                cluster,
                code,
                reason,
                message,
            },
        }
    }
}

/// An error with its causes, each once ("client error (Connect): tcp connect
/// error: Connection refused"), since the root cause is what helps.
fn chain(error: &dyn StdError) -> String {
    // kube-rs prefixes its variant name ("ServiceError: "), which says nothing to a user.
    let first = error.to_string();
    let first = ["ServiceError: ", "HyperError: "]
        .iter()
        .find_map(|prefix| first.strip_prefix(prefix))
        .map_or_else(|| first.clone(), str::to_owned);
    let mut parts: Vec<String> = vec![first];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            cluster: "prod".into(),
            server: "https://10.0.0.1:6443".into(),
            user: "alice".into(),
        }
    }

    fn status(code: u16, reason: &str) -> kube::Error {
        let mut s = kube::core::Status::failure("denied", reason);
        s.code = code;
        kube::Error::Api(Box::new(s))
    }

    #[test]
    fn statuses_name_the_cluster_and_user() {
        let e = caller().error(status(401, "Unauthorized"));
        assert!(e.makes_cluster_unusable());
        assert_eq!(
            e.to_string(),
            "cluster prod rejected the credentials of user alice: denied"
        );
        let e = caller().error(status(403, "Forbidden"));
        assert!(!e.makes_cluster_unusable());
        assert!(e.to_string().contains("user alice is not allowed"));
        let e = caller().error(status(500, "InternalError"));
        assert_eq!(
            e.to_string(),
            "cluster prod answered 500 InternalError: denied"
        );
    }

    #[test]
    fn transport_failures_are_unreachable_with_the_url() {
        let e = caller().unreachable("Connection refused".into());
        assert!(e.makes_cluster_unusable());
        assert_eq!(
            e.to_string(),
            "cluster prod is unreachable at https://10.0.0.1:6443: Connection refused"
        );
    }
}
