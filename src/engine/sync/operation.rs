//! The persisted state of one sync operation and the outcome bookkeeping;
//! the step logic lives in `step.rs`.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::effects::EffectOutcome;
use super::request::{Resource, SyncRequest};
use super::tasks::{ResultCode, SyncTask, TaskState, build_tasks};
use crate::model::ResourceKey;

/// Argo CD's wave delay (`ARGOCD_SYNC_WAVE_DELAY`) default, in seconds.
pub const DEFAULT_WAVE_DELAY_SECONDS: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationPhase {
    Running,
    Terminating,
    Failed,
    Error,
    Succeeded,
}

impl OperationPhase {
    pub fn is_completed(self) -> bool {
        matches!(
            self,
            OperationPhase::Failed | OperationPhase::Error | OperationPhase::Succeeded
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperationPhase::Running => "Running",
            OperationPhase::Terminating => "Terminating",
            OperationPhase::Failed => "Failed",
            OperationPhase::Error => "Error",
            OperationPhase::Succeeded => "Succeeded",
        }
    }
}

/// Where the operation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Stage {
    /// Nothing done yet: validation, namespace creation, dry run come next.
    Start,
    /// The destination namespace was applied ahead of the dry run.
    NamespaceApplied(usize),
    DryRunIssued,
    Main,
    Terminating,
    Done,
}

/// What an in-flight effect was for, so its outcome lands in the right place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Action {
    DryRun,
    Apply,
    Prune,
    DeleteBeforeCreation,
    HookPolicyDelete,
    RemoveFinalizer,
    TerminateDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct InFlight {
    pub task: usize,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum GroupStage {
    /// Prunes come first.
    Pruning,
    /// Prunes done: hook deletions before creation, then applies.
    Creating,
    HookDeletionsIssued,
    AppliesIssued,
}

/// A (phase, wave) group, or the SyncFail hooks, being run across steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct GroupRun {
    pub tasks: Vec<usize>,
    /// Pending tasks after this group (plus this group's hooks).
    pub remaining: Vec<usize>,
    pub final_wave: bool,
    pub stage: GroupStage,
    pub failed: bool,
    /// `Some(failure message)` when this run is the SyncFail phase.
    pub sync_fail_message: Option<String>,
}

/// One sync operation: tasks with their results, the operation phase and
/// message, retry state. Serializable so a runner can persist it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOperation {
    pub app_name: String,
    pub dest_namespace: String,
    pub request: SyncRequest,
    /// In execution order.
    pub tasks: Vec<SyncTask>,
    pub retry_count: u32,
    pub finished_at: Option<Timestamp>,
    pub wave_delay_seconds: u64,
    pub(super) phase: OperationPhase,
    pub(super) message: String,
    pub(super) stage: Stage,
    pub(super) in_flight: Vec<InFlight>,
    pub(super) group: Option<GroupRun>,
    pub(super) termination_errors: bool,
}

impl SyncOperation {
    pub fn start(
        app_name: &str,
        dest_namespace: &str,
        request: SyncRequest,
        resources: Vec<Resource>,
        create_namespace: bool,
    ) -> Self {
        let tasks = build_tasks(dest_namespace, &request, resources, create_namespace);
        SyncOperation {
            app_name: app_name.to_owned(),
            dest_namespace: dest_namespace.to_owned(),
            request,
            tasks,
            retry_count: 0,
            finished_at: None,
            wave_delay_seconds: DEFAULT_WAVE_DELAY_SECONDS,
            phase: OperationPhase::Running,
            message: String::new(),
            stage: Stage::Start,
            in_flight: Vec::new(),
            group: None,
            termination_errors: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }
    pub fn phase(&self) -> OperationPhase {
        self.phase
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn started_at(&self) -> Timestamp {
        self.request.started_at
    }

    /// Whether the operation waits for a retry (Running with `finishedAt` set).
    pub fn waiting_for_retry(&self) -> bool {
        self.phase == OperationPhase::Running && self.finished_at.is_some()
    }

    /// Asks the operation to stop: the next step deletes running hooks and ends it.
    pub fn terminate(&mut self) {
        if !self.is_done() {
            self.phase = OperationPhase::Terminating;
        }
    }

    /// Ends an unfinished operation at once with `phase` and `message`, no
    /// retry: a `ComparisonError`/`InvalidSpecError` before anything is
    /// applied (Error), `FailOnSharedResource` (Failed), or an operation that
    /// a killed plumb left Running (Error, shown as interrupted).
    pub fn abort(&mut self, phase: OperationPhase, message: &str, now: Timestamp) {
        if self.is_done() {
            return;
        }
        self.in_flight.clear();
        self.group = None;
        self.phase = phase;
        self.message = message.to_owned();
        self.finished_at = Some(now);
        self.stage = Stage::Done;
    }

    /// Every key the runner should observe before a step.
    pub fn task_keys(&self) -> BTreeSet<ResourceKey> {
        self.tasks.iter().map(|t| t.key.clone()).collect()
    }

    /// Records the outcome of one effect returned by the last step.
    pub fn record(&mut self, outcome: EffectOutcome) {
        let Some(pos) = self
            .in_flight
            .iter()
            .position(|f| self.tasks[f.task].key == *outcome.key())
        else {
            return;
        };
        let InFlight { task, action } = self.in_flight.remove(pos);
        let dry_run_op = self.request.dry_run;
        let t = &mut self.tasks[task];
        let mut failed = false;
        match (action, outcome) {
            (Action::DryRun, EffectOutcome::Failed { message, .. }) => {
                t.set(Some(ResultCode::SyncFailed), TaskState::Failed, &message);
            }
            (Action::DryRun, _) => {}
            (Action::Apply, EffectOutcome::Failed { message, .. }) => {
                t.set(Some(ResultCode::SyncFailed), TaskState::Failed, &message);
                failed = true;
            }
            (Action::Apply, EffectOutcome::Done { message, .. }) => {
                let state = if dry_run_op {
                    TaskState::Succeeded
                } else {
                    TaskState::Running
                };
                t.set(Some(ResultCode::Synced), state, &message);
            }
            (Action::Apply, EffectOutcome::NotFound { .. }) => {
                t.set(Some(ResultCode::SyncFailed), TaskState::Failed, "not found");
                failed = true;
            }
            (Action::Prune, EffectOutcome::Failed { message, .. }) => {
                t.set(Some(ResultCode::SyncFailed), TaskState::Failed, &message);
                failed = true;
            }
            (Action::Prune, _) => {
                t.set(
                    Some(ResultCode::Pruned),
                    TaskState::Succeeded,
                    super::messages::PRUNED,
                );
            }
            (
                Action::DeleteBeforeCreation | Action::HookPolicyDelete,
                EffectOutcome::Failed { message, .. },
            ) => {
                let result = t.result;
                t.set(
                    result,
                    TaskState::Error,
                    &format!("failed to delete resource: {message}"),
                );
                failed = action == Action::DeleteBeforeCreation;
            }
            (Action::RemoveFinalizer, EffectOutcome::Failed { message, .. }) => {
                let result = t.result;
                t.set(
                    result,
                    TaskState::Error,
                    &format!("Failed to remove hook finalizer: {message}"),
                );
                if self.stage == Stage::Terminating {
                    self.termination_errors = true;
                }
            }
            (Action::TerminateDelete, EffectOutcome::Failed { message, .. }) => {
                t.set(
                    None,
                    TaskState::Failed,
                    &format!("Failed to delete: {message}"),
                );
                self.termination_errors = true;
            }
            (Action::TerminateDelete, _) => {
                t.set(None, TaskState::Succeeded, "Deleted");
            }
            (
                Action::DeleteBeforeCreation | Action::HookPolicyDelete | Action::RemoveFinalizer,
                _,
            ) => {}
        }
        if failed && let Some(group) = self.group.as_mut() {
            group.failed = true;
        }
    }

    /// Sets the phase and message; a failure may turn into a scheduled retry.
    pub(super) fn finish(&mut self, phase: OperationPhase, message: String, now: Timestamp) {
        let retry = self.request.retry;
        let terminated = self.stage == Stage::Terminating;
        self.group = None;
        if matches!(phase, OperationPhase::Failed | OperationPhase::Error) && !terminated {
            if let Some(policy) = retry.filter(|p| p.allows_retry(self.retry_count)) {
                self.retry_count += 1;
                self.phase = OperationPhase::Running;
                self.finished_at = Some(now);
                self.message =
                    super::retry::retrying_message(&message, self.retry_count, now, &policy);
                return;
            }
            self.message = super::retry::exhausted_message(&message, self.retry_count);
        } else {
            self.message = message;
        }
        self.phase = phase;
        self.finished_at = Some(now);
        self.stage = Stage::Done;
    }

    /// Starts the next attempt after a retry wait: every task is pending again.
    pub(super) fn restart_for_retry(&mut self) {
        for task in &mut self.tasks {
            task.state = TaskState::Pending;
            task.result = None;
            task.message.clear();
        }
        self.finished_at = None;
        self.stage = Stage::Start;
        self.group = None;
        self.message = format!("Retrying operation. Attempt #{}", self.retry_count);
    }
}
