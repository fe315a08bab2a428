//! One step of the operation (§1.6): advance as far as possible with what is
//! known now and return the effects to perform.

use std::collections::BTreeSet;

use super::effects::{Effect, Observation};
use super::hooks::{HookDeletePolicy, SyncPhase};
use super::messages::{self as msg, Waiting};
use super::operation::{Action, GroupRun, GroupStage, OperationPhase, Stage, SyncOperation};
use super::retry::next_retry_at;
use super::tasks::{ResultCode, TaskState};
use crate::engine::health::{HealthStatus, HookPhase, hook_phase};

impl SyncOperation {
    /// Advances the operation. Every returned effect except `Wait` must be
    /// answered with [`SyncOperation::record`] before the next step; a step
    /// taken while outcomes are missing does nothing.
    pub fn step(&mut self, obs: &Observation) -> Vec<Effect> {
        if self.is_done() || !self.in_flight.is_empty() {
            return Vec::new();
        }
        if self.phase == OperationPhase::Terminating {
            return self.step_terminate(obs);
        }
        if let (Some(finished), Some(policy)) = (self.finished_at, self.request.retry)
            && self.phase == OperationPhase::Running
        {
            let due = next_retry_at(finished, self.retry_count, &policy);
            if obs.now < due {
                let wait = obs.now.duration_until(due);
                let seconds = wait.as_secs() as u64 + u64::from(wait.subsec_nanos() > 0);
                return vec![Effect::Wait { seconds }];
            }
            self.restart_for_retry();
        }
        if obs.blocked_by_window {
            self.message = msg::BLOCKED_BY_WINDOW.to_owned();
            return Vec::new();
        }
        match self.stage {
            Stage::Start => self.step_start(obs),
            Stage::NamespaceApplied(ns) => {
                if self.tasks[ns].state == TaskState::Failed {
                    self.stage = Stage::Main;
                    self.set_operation_failed(obs, vec![ns], msg::NAMESPACE_FAILED)
                } else {
                    self.issue_dry_run(obs, Some(ns))
                }
            }
            Stage::DryRunIssued => {
                if self
                    .tasks
                    .iter()
                    .any(|t| t.result == Some(ResultCode::SyncFailed))
                {
                    self.finish(
                        OperationPhase::Failed,
                        msg::DRY_RUN_FAILED.to_owned(),
                        obs.now,
                    );
                    return Vec::new();
                }
                self.stage = Stage::Main;
                self.step_main(obs)
            }
            Stage::Main => match self.group.take() {
                Some(group) => self.continue_group(group, obs),
                None => self.step_main(obs),
            },
            Stage::Terminating | Stage::Done => Vec::new(),
        }
    }

    pub(super) fn step_start(&mut self, obs: &Observation) -> Vec<Effect> {
        let invalid: Vec<String> = self
            .tasks
            .iter()
            .filter_map(|t| t.invalid.clone())
            .collect();
        if !invalid.is_empty() {
            for task in self.tasks.iter_mut() {
                if let Some(message) = task.invalid.clone() {
                    task.set(Some(ResultCode::SyncFailed), TaskState::Failed, &message);
                }
            }
            let refs: Vec<&str> = invalid.iter().map(String::as_str).collect();
            self.finish(
                OperationPhase::Failed,
                msg::not_valid_message(&refs),
                obs.now,
            );
            return Vec::new();
        }
        let namespace_first = self.tasks.iter().position(|t| {
            t.pending()
                && t.key.group.is_empty()
                && t.key.kind == "Namespace"
                && t.key.name == self.dest_namespace
                && t.target.is_some()
                && obs.get(&t.key).is_none()
        });
        if let Some(ns) = namespace_first {
            self.stage = Stage::NamespaceApplied(ns);
            return vec![self.issue(ns, Action::Apply, obs)];
        }
        self.issue_dry_run(obs, None)
    }

    pub(super) fn issue_dry_run(&mut self, obs: &Observation, skip: Option<usize>) -> Vec<Effect> {
        let selected: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| Some(i) != skip && !self.tasks[i].is_prune() && !self.filtered_out(i))
            .collect();
        let mut effects = Vec::new();
        for i in selected {
            effects.push(self.issue(i, Action::DryRun, obs));
        }
        self.stage = Stage::DryRunIssued;
        if effects.is_empty() {
            self.stage = Stage::Main;
            return self.step_main(obs);
        }
        effects
    }

    /// `ApplyOutOfSyncOnly`: an unmodified non-hook that exists on both sides is skipped.
    pub(super) fn filtered_out(&self, i: usize) -> bool {
        let t = &self.tasks[i];
        self.request.options.apply_out_of_sync_only
            && !t.is_hook()
            && !t.modified
            && t.target.is_some()
            && t.live.is_some()
    }

    pub(super) fn step_main(&mut self, obs: &Observation) -> Vec<Effect> {
        self.refresh(obs);
        let steps: BTreeSet<(SyncPhase, i32)> =
            self.tasks.iter().map(|t| (t.phase, t.wave)).collect();
        let multi_step = steps.len() > 1;
        let running: Vec<usize> = self.indices(|t| (multi_step || t.is_hook()) && t.running());
        if !running.is_empty() {
            self.set_waiting(&running, Waiting::Completion);
            return Vec::new();
        }
        let deleting = self.indices(|t| {
            t.result == Some(ResultCode::Pruned)
                && obs.get(&t.key).is_some_and(|o| o.being_deleted())
        });
        if !deleting.is_empty() {
            self.set_waiting(&deleting, Waiting::Deletion);
            return Vec::new();
        }
        let completed_hooks = self.indices(|t| t.is_hook() && t.completed());
        let mut effects = self.remove_finalizers(&completed_hooks, obs);
        let failed =
            self.indices(|t| t.phase != SyncPhase::SyncFail && t.completed() && !t.successful());
        if !failed.is_empty() {
            effects.extend(self.delete_hooks(HookDeletePolicy::HookFailed, obs));
            let reasons = self.indices(|t| {
                t.phase != SyncPhase::SyncFail && t.result == Some(ResultCode::SyncFailed)
            });
            effects.extend(self.set_operation_failed(obs, reasons, msg::COMPLETED_UNSUCCESSFULLY));
            return effects;
        }
        let pending: Vec<usize> = self
            .indices(|t| t.phase != SyncPhase::SyncFail && t.pending())
            .into_iter()
            .filter(|&i| !self.filtered_out(i))
            .collect();
        let (Some(&first), Some(&last)) = (pending.first(), pending.last()) else {
            effects.extend(self.delete_hooks(HookDeletePolicy::HookSucceeded, obs));
            self.finish(
                OperationPhase::Succeeded,
                msg::SUCCEEDED_NO_MORE_TASKS.to_owned(),
                obs.now,
            );
            return effects;
        };
        let (phase, wave) = (self.tasks[first].phase, self.tasks[first].wave);
        let in_group = |i: &usize| self.tasks[*i].phase == phase && self.tasks[*i].wave == wave;
        let group = GroupRun {
            tasks: pending.iter().copied().filter(in_group).collect(),
            remaining: pending
                .iter()
                .copied()
                .filter(|i| !in_group(i) || self.tasks[*i].is_hook())
                .collect(),
            final_wave: self.tasks[last].phase == phase && self.tasks[last].wave == wave,
            stage: GroupStage::Pruning,
            failed: false,
            sync_fail_message: None,
        };
        self.phase = OperationPhase::Running;
        self.message = msg::RUNNING.to_owned();
        effects.extend(self.run_group(group, obs));
        effects
    }

    /// Updates Running tasks from the health of their live objects (§1.6 step 3, §2.4).
    pub(super) fn refresh(&mut self, obs: &Observation) {
        for task in self
            .tasks
            .iter_mut()
            .filter(|t| t.running() && !t.is_prune())
        {
            let Some(observed) = obs.get(&task.key) else {
                let message = format!(
                    "Resource {} is missing, it might have been deleted",
                    task.path()
                );
                task.set(Some(ResultCode::SyncFailed), TaskState::Error, &message);
                continue;
            };
            let result = task.result;
            if task.is_hook() {
                let (phase, message) = hook_phase(observed.health.as_ref(), &task.key.name);
                let state = match phase {
                    HookPhase::Running => TaskState::Running,
                    HookPhase::Succeeded => TaskState::Succeeded,
                    HookPhase::Failed => TaskState::Failed,
                };
                task.set(result, state, &message);
                continue;
            }
            match &observed.health {
                None => task.set(result, TaskState::Succeeded, ""),
                Some(h) if h.status == HealthStatus::Healthy => {
                    task.set(result, TaskState::Succeeded, &h.message)
                }
                Some(h) if h.status == HealthStatus::Degraded => {
                    task.set(result, TaskState::Failed, &h.message)
                }
                Some(_) => {}
            }
        }
    }
}
