//! The engine's side effects: performing sync operations against a cluster
//! ([`Runner`]) under the app's lease, with state and history kept in the
//! cluster ([`run_operation`]).
//!
//! ```text
//! let runner = Runner::new(cluster.clone(), health);
//! let op = SyncOperation::start(app, dest_ns, request, sync_resources(&comparison), create_ns);
//! let done = run_operation(&runner, &Store::new(cluster), op, &local_holder(), limit, &stop, |op| publish(op)).await?;
//! ```

mod operation;
mod runner;

pub use operation::{OperationError, needs_namespace_task, run_operation, sync_resources};
pub use runner::{MAX_CONCURRENT_WRITES, Runner, kubectl_name};
