//! The reconcile loop: the catalog listed at once, each app rendered and
//! compared against a watch-fed cache of its cluster, compared again on
//! Git polls, live changes and refreshes; automated sync and self-heal
//! through Argo CD's gates and plumb's freeze; commands from a front end
//! carried out; a [`Snapshot`](crate::engine::snapshot::Snapshot)
//! published whenever something shown changed.
//!
//! ```text
//! let config = EngineConfig::new(workspace, root, clusters, settings)
//!     .with_engine_settings(&settings.engine);
//! let handle = Engine::spawn(config);       // inside a tokio runtime
//! handle.send(Command::Sync { .. }).await?; // notices say what happened
//! ```

mod app;
mod autosync;
mod commands;
mod config;
mod engine;
mod live;
mod operation;
mod refresh;
mod schedule;
mod sources;
mod state;
mod ungenerated;
mod view;

pub use config::EngineConfig;
pub use engine::Engine;
pub use live::LISTED_KINDS;
