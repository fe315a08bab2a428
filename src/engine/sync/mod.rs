//! Argo CD's sync operation as a sans-IO state machine: tasks, ordering,
//! hooks, the step function, retries, history and rollback. Time is an input;
//! a runner performs the returned effects against a cluster.
//!
//! The runner is a plain loop:
//!
//! ```text
//! let mut op = SyncOperation::start(app, dest_ns, request, resources, create_ns);
//! while !op.is_done() {
//!     let obs = observe(op.task_keys());        // live objects + health::assess, now, approvals, window
//!     let effects = op.step(&obs);
//!     for batch in concurrent_batches(&effects) {  // batches in order, a batch's effects concurrently
//!         for effect in batch { if let Some(o) = perform(effect) { op.record(o) } }  // Wait has no outcome
//!     }
//!     if effects.is_empty() { wait for a cluster change or ~30 s }
//! }
//! ```
//!
//! Persist `op` (serde) after each step; on restart an unfinished operation
//! is ended with [`SyncOperation::abort`].

mod effects;
mod group;
mod history;
mod hooks;
mod issue;
mod messages;
mod operation;
mod ordering;
mod plan;
mod prune;
mod request;
mod retry;
mod rollback;
mod step;
mod tasks;
mod terminate;

pub use effects::{
    ApplyMethod, DeleteReason, Effect, EffectOutcome, Observation, Observed, concurrent_batches,
};
pub use history::{HistoryEntry, history_entry, next_history_id, rollback_targets, trim_history};
pub use hooks::{
    Classification, HookDeletePolicy, SyncPhase, classify, delete_policies, generated_hook_name,
};
pub use messages::*;
pub use operation::{DEFAULT_WAVE_DELAY_SECONDS, OperationPhase, SyncOperation};
pub use ordering::{kind_rank, wave_of};
pub use plan::{Plan, PlanAction, PlanGroup, PlanItem, PlanSummary};
pub use request::{InitiatedBy, Resource, Strategy, SyncRequest};
pub use retry::{Backoff, RetryPolicy, exhausted_message, next_retry_at, retrying_message};
pub use rollback::{RollbackError, RollbackParams, rollback_request};
pub use tasks::{ResultCode, SyncTask, TaskOptions, TaskState};
