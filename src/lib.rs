//! plumb — a terminal GitOps console for Kubernetes with its own
//! reconciliation engine.
//!
//! Module map (data flows top to bottom):
//!
//! - [`config`]: paths (config, data, cache, state dirs) and the settings file.
//! - [`model`]: Argo CD-compatible types (Application, AppProject,
//!   ApplicationSet) and helpers over plain Kubernetes objects.
//! - [`source`]: Git (clone, fetch, revisions, history) and rendering
//!   (plain YAML, Kustomize, Helm) into desired objects, with a content-keyed cache.
//! - [`cluster`]: the kube-rs adapter: contexts, discovery, live cache, apply, leases.
//! - [`engine`]: decisions as pure functions — health, diff, compare, sync
//!   operations, policies, ApplicationSets — the sync runner and the operation
//!   store, the reconcile loop, and the snapshot contract front ends read.
//! - [`sandbox`]: an embedded Kubernetes API server with simulated controllers.
//! - [`cli`]: headless subcommands over the engine.
//! - [`bench`]: `plumb bench`: generated fleets and timings against the real tools.
//! - [`tui`]: the terminal console.
//!
//! `model`, `source`, `cluster`, `engine` and `sandbox` never import UI crates
//! (checked by `tests/architecture.rs`).

pub mod bench;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod engine;
pub mod logging;
pub mod model;
pub mod sandbox;
pub mod source;
pub mod tui;
