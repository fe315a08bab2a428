//! Decisions as pure functions over plain data (health, diff, sync plans) and
//! the reconcile loop that turns them into published snapshots.

pub mod appset;
pub mod compare;
pub mod diff;
pub mod health;
pub mod live;
pub mod policy;
pub mod settings;
pub mod snapshot;
pub mod sync;
pub mod tracking;
pub mod tree;
