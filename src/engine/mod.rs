//! Decisions as pure functions over plain data (health, diff, compare, sync
//! operations, policies, ApplicationSets), the runner and store that carry
//! operations out against a cluster, the reconcile loop that drives them
//! ([`reconcile`]), and the snapshot contract.

pub mod actions;
pub mod appset;
pub mod compare;
pub mod diff;
pub mod health;
pub mod live;
pub mod policy;
pub mod reconcile;
pub mod runtime;
pub mod settings;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod tracking;
pub mod tree;
