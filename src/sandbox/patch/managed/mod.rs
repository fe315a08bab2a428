//! managedFields bookkeeping: server-side apply (with conflicts) and the
//! ownership changes of ordinary writes (create, update, patch).

mod apply;
mod conflict;
mod entries;
mod update;

pub use apply::server_side_apply;
pub use conflict::{ApplyConflict, Conflict};
pub use update::record_update;
