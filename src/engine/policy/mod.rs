//! Decisions around sync operations: sync options, automated sync gates and
//! self-heal backoff, sync windows, and AppProject permission checks.

mod autosync;
mod options;
mod project;
mod windows;

pub use autosync::*;
pub use options::{Propagation, ResourceOptions, SYNC_OPTIONS_ANNOTATION, SyncOptions};
pub use project::*;
pub use windows::*;
