//! The sandbox: an embedded Kubernetes API server that speaks the real wire
//! protocol, with simulated controllers, persisted in the data dir.
//!
//! How to reach it:
//! - any plumb process: `connect::default_connection(data_dir)` gives the
//!   cluster in `<data_dir>/sandbox` — owned by this process (controllers
//!   running, served on a random loopback port with the kubeconfig written)
//!   when nobody else owns it, else a client through the owner's kubeconfig;
//! - in process, for tests: `Sandbox::new()` / `Sandbox::with_clock(..)`,
//!   then `.client()` gives a `kube::Client` whose requests go straight to the
//!   router (no socket); drive controllers with `settle(controllers::reconcile)`
//!   and `advance(..)` on a manual clock, or `spawn_cluster_controllers()`;
//! - persisted: `Sandbox::open(dir, clock, token)` (one owner per dir, a lock);
//!   `connect::Owner::start(dir, port)` is what `plumb sandbox serve` runs.
//!
//! Images choose how containers behave through marker words, whole words of
//! the image reference (delimited by `/ : - . _ @` or its ends): `crashloop`
//! crash-loops (CrashLoopBackOff), `pullerror` or `does-not-exist` never pull
//! (ImagePullBackOff), `fail` exits 1 (a Job's pod fails; a long-running pod
//! crash-loops). `failover-proxy` carries no marker. See `controllers`.
//!
//! Layout: `resources` + `registry` (what is served), `store` (objects,
//! resourceVersions, watch history), `api` (the verbs, shared by HTTP and
//! controllers), `defaults` / `validation` / `immutable` / `schema` (what
//! the server adds and refuses), `http` (routing, discovery, tables, watch),
//! `crd`, `persist`, `faults`, `clock`, `runner` (controllers on the write
//! path), `connect` + `serve` + `kubeconfig` + `tls` (sharing the cluster).

pub mod api;
pub mod clock;
pub mod connect;
pub mod controllers;
pub mod convert;
pub mod crd;
pub mod defaults;
pub mod errors;
pub mod faults;
pub mod http;
pub mod immutable;
pub mod kubeconfig;
pub mod patch;
pub mod persist;
pub mod registry;
pub mod resources;
pub mod runner;
pub mod schema;
pub mod serve;
pub mod store;
pub mod tls;
pub mod validation;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::json;

use api::{State, Target, WriteOptions};
use clock::Clock;
use faults::Faults;

/// Everything the server shares between requests.
#[derive(Debug, Default)]
pub struct Shared {
    state: Mutex<State>,
    pub clock: Clock,
    faults: Mutex<Faults>,
    /// When set, every request needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Woken after every stored change (the controller loop waits on it).
    pub changed: tokio::sync::Notify,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An embedded API server.
#[derive(Debug, Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

/// Namespaces every cluster starts with.
const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-node-lease", "kube-public", "kube-system"];

impl Sandbox {
    /// A fresh sandbox on the wall clock with the system namespaces.
    pub fn new() -> Self {
        Self::with_clock(Clock::Real)
    }

    /// A fresh sandbox on the given clock.
    pub fn with_clock(clock: Clock) -> Self {
        Self::from_shared(Shared {
            clock,
            ..Shared::default()
        })
    }

    /// A sandbox requiring `token` on every request.
    pub fn with_token(clock: Clock, token: String) -> Self {
        Self::from_shared(Shared {
            clock,
            token: Some(token),
            ..Shared::default()
        })
    }

    fn from_shared(shared: Shared) -> Self {
        let sandbox = Self {
            shared: Arc::new(shared),
        };
        sandbox.seed();
        sandbox
    }

    /// A sandbox persisted in `dir`: takes the directory's lock (failing with
    /// [`persist::PersistError::Locked`] when another process owns it) and
    /// replays the stored state, or seeds a fresh one.
    pub fn open(
        dir: &std::path::Path,
        clock: Clock,
        token: Option<String>,
    ) -> Result<Self, persist::PersistError> {
        let (journal, recovered) = persist::open(dir)?;
        let fresh = recovered.objects.is_empty();
        let shared = Shared {
            clock,
            token,
            ..Shared::default()
        };
        let now = shared.clock.now();
        {
            let mut state = shared.state();
            state.store.attach(journal, recovered);
            crd::sync(&mut state, now);
        }
        let sandbox = Self {
            shared: Arc::new(shared),
        };
        if fresh {
            sandbox.seed();
        }
        Ok(sandbox)
    }

    fn seed(&self) {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let opts = WriteOptions {
            field_manager: "kube-apiserver".into(),
            ..WriteOptions::default()
        };
        for ns in SYSTEM_NAMESPACES {
            let Some(target) = target_for(&state, "", "Namespace", None) else {
                return;
            };
            let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            // Creating a fixed, valid object in an empty store cannot fail.
            let _ = api::write::create(&mut state, &target, body, &opts, now, false);
        }
        if let Some(target) = target_for(&state, "", "Service", Some("default")) {
            let body = json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}});
            let _ = api::write::create(&mut state, &target, body, &opts, now, false);
        }
    }

    /// Stops persisting and releases the state directory for another owner.
    /// Clients still holding this sandbox keep working in memory.
    pub fn close(&self) {
        self.shared.state().store.detach();
    }

    /// Keeps only `limit` changes for watches (older resourceVersions get 410).
    pub fn set_history_limit(&self, limit: usize) {
        self.shared.state().store.set_history_limit(limit);
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The fault rules; add rules to make requests fail or slow down.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.shared.faults()
    }

    /// The HTTP router, usable as a tower service or served on a socket.
    pub fn router(&self) -> axum::Router {
        http::router(self.shared.clone())
    }

    /// A kube client talking to this sandbox in process. Must be called
    /// inside a tokio runtime.
    /// When the sandbox requires a token, the client presents it.
    pub fn client(&self) -> kube::Client {
        let bearer = self
            .shared
            .token
            .as_ref()
            .and_then(|token| ::http::HeaderValue::from_str(&format!("Bearer {token}")).ok());
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut request: ::http::Request<_>| {
                if let Some(bearer) = &bearer {
                    request
                        .headers_mut()
                        .insert(::http::header::AUTHORIZATION, bearer.clone());
                }
                request
            })
            .service(self.router());
        kube::Client::new(service, "default")
    }
}

/// The target of a whole kind (storage version) in a namespace.
pub fn target_for(
    state: &State,
    group: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Option<Target> {
    let resource = state.registry.by_kind(group, kind)?.clone();
    Some(Target {
        namespace: if resource.namespaced {
            namespace.map(str::to_owned)
        } else {
            None
        },
        resource,
        name: None,
        subresource: None,
    })
}
