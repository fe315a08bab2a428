//! The engine's side effects: performing sync operations against a cluster
//! ([`Runner`]) under a per-app lock.

mod runner;

pub use runner::{MAX_CONCURRENT_WRITES, Runner, kubectl_name};
