//! One step of the operation (§1.6): advance as far as possible with what is
//! known now and return the effects to perform.

use std::collections::BTreeSet;

use super::effects::{ApplyMethod, DeleteReason, Effect, Observation};
use super::hooks::{HookDeletePolicy, SyncPhase};
use super::messages::{self as msg, Waiting, waiting_message, with_reasons};
use super::operation::{
    Action, GroupRun, GroupStage, InFlight, OperationPhase, Stage, SyncOperation,
};
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

    fn step_start(&mut self, obs: &Observation) -> Vec<Effect> {
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

    fn issue_dry_run(&mut self, obs: &Observation, skip: Option<usize>) -> Vec<Effect> {
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
    fn filtered_out(&self, i: usize) -> bool {
        let t = &self.tasks[i];
        self.request.options.apply_out_of_sync_only
            && !t.is_hook()
            && !t.modified
            && t.target.is_some()
            && t.live.is_some()
    }

    fn step_main(&mut self, obs: &Observation) -> Vec<Effect> {
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
    fn refresh(&mut self, obs: &Observation) {
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

    /// Runs (or continues running) one group: prunes, then deletions of hooks
    /// that must go before creation, then applies.
    fn run_group(&mut self, mut group: GroupRun, obs: &Observation) -> Vec<Effect> {
        let mut effects = Vec::new();
        if group.stage == GroupStage::Pruning {
            let prunes: Vec<usize> = group
                .tasks
                .iter()
                .copied()
                .filter(|&i| self.tasks[i].is_prune())
                .collect();
            let confirmed = obs
                .deletion_approved_at
                .is_some_and(|at| at > self.request.started_at);
            if !confirmed {
                let unconfirmed: Vec<usize> = prunes
                    .iter()
                    .copied()
                    .filter(|&i| {
                        self.request.options.prune_confirm
                            || self.tasks[i].options().prune_confirm()
                    })
                    .collect();
                if !unconfirmed.is_empty() {
                    self.set_waiting(&unconfirmed, Waiting::PruneConfirmation);
                    return effects;
                }
            }
            for i in prunes {
                if let Some(effect) = self.prune(i, obs) {
                    effects.push(effect);
                }
            }
            group.stage = GroupStage::Creating;
            if !effects.is_empty() {
                self.group = Some(group);
                return effects;
            }
        }
        if group.stage == GroupStage::Creating {
            if group.failed {
                return self.after_group(group, obs);
            }
            let recreate: Vec<usize> = group
                .tasks
                .iter()
                .copied()
                .filter(|&i| {
                    let t = &self.tasks[i];
                    !t.is_prune()
                        && t.pending()
                        && t.has_policy(HookDeletePolicy::BeforeHookCreation)
                        && obs.get(&t.key).is_some()
                })
                .collect();
            if !recreate.is_empty() && !self.request.dry_run {
                effects.extend(self.remove_finalizers(&recreate, obs));
                for &i in &recreate {
                    if obs
                        .get(&self.tasks[i].key)
                        .is_some_and(|o| !o.being_deleted())
                    {
                        effects.push(self.issue_delete(
                            i,
                            Action::DeleteBeforeCreation,
                            DeleteReason::BeforeHookCreation,
                        ));
                    }
                }
                self.set_waiting(&recreate, Waiting::Deletion);
                if effects.is_empty() {
                    return effects;
                }
                group.stage = GroupStage::HookDeletionsIssued;
                self.group = Some(group);
                return effects;
            }
            let creates: Vec<usize> = group
                .tasks
                .iter()
                .copied()
                .filter(|&i| !self.tasks[i].is_prune())
                .collect();
            for i in creates {
                effects.push(self.issue(i, Action::Apply, obs));
            }
            group.stage = GroupStage::AppliesIssued;
            if !effects.is_empty() {
                self.group = Some(group);
                return effects;
            }
        }
        self.after_group(group, obs)
    }

    fn continue_group(&mut self, group: GroupRun, obs: &Observation) -> Vec<Effect> {
        match group.stage {
            GroupStage::HookDeletionsIssued if !group.failed => Vec::new(),
            GroupStage::Pruning | GroupStage::Creating => self.run_group(group, obs),
            GroupStage::HookDeletionsIssued | GroupStage::AppliesIssued => {
                self.after_group(group, obs)
            }
        }
    }

    /// The outcome of a group run (§1.6 step 13).
    fn after_group(&mut self, group: GroupRun, obs: &Observation) -> Vec<Effect> {
        if let Some(failure) = group.sync_fail_message {
            if group.failed {
                let failed = self.indices(|t| {
                    t.phase == SyncPhase::SyncFail && t.result == Some(ResultCode::SyncFailed)
                });
                let refs: Vec<_> = failed.iter().map(|&i| &self.tasks[i]).collect();
                let message = format!(
                    "{failure}\n{}",
                    with_reasons(msg::SYNC_FAIL_HOOKS_FAILED, &refs)
                );
                self.finish(OperationPhase::Failed, message, obs.now);
            }
            return Vec::new();
        }
        if group.failed {
            let mut effects = self.delete_hooks(HookDeletePolicy::HookFailed, obs);
            let reasons: Vec<usize> = group
                .tasks
                .iter()
                .copied()
                .filter(|&i| self.tasks[i].result == Some(ResultCode::SyncFailed))
                .collect();
            effects.extend(self.set_operation_failed(obs, reasons, msg::APPLY_FAILED));
            return effects;
        }
        let mut effects = Vec::new();
        if !group.final_wave {
            effects.push(Effect::Wait {
                seconds: self.wave_delay_seconds,
            });
        }
        if group.remaining.is_empty() {
            effects.extend(self.delete_hooks(HookDeletePolicy::HookSucceeded, obs));
            self.finish(
                OperationPhase::Succeeded,
                msg::SUCCEEDED_ALL_TASKS_RUN.to_owned(),
                obs.now,
            );
        } else {
            self.set_waiting(&group.remaining, Waiting::Completion);
        }
        effects
    }

    /// Fails the operation, running the SyncFail hooks first if there are any (§2.6).
    fn set_operation_failed(
        &mut self,
        obs: &Observation,
        reasons: Vec<usize>,
        message: &str,
    ) -> Vec<Effect> {
        let refs: Vec<_> = reasons.iter().map(|&i| &self.tasks[i]).collect();
        let mut error = with_reasons(message, &refs);
        let sync_fail = self.indices(|t| t.phase == SyncPhase::SyncFail);
        if sync_fail.iter().all(|&i| self.tasks[i].completed()) {
            let failed: Vec<_> = sync_fail
                .iter()
                .map(|&i| &self.tasks[i])
                .filter(|t| t.result == Some(ResultCode::SyncFailed))
                .collect();
            if !failed.is_empty() {
                error = format!(
                    "{error}\n{}",
                    with_reasons(msg::SYNC_FAIL_HOOKS_FAILED, &failed)
                );
            }
            self.finish(OperationPhase::Failed, error, obs.now);
            return Vec::new();
        }
        let pending: Vec<usize> = sync_fail
            .into_iter()
            .filter(|&i| self.tasks[i].pending())
            .collect();
        self.phase = OperationPhase::Running;
        if pending.is_empty() {
            return Vec::new();
        }
        let group = GroupRun {
            tasks: pending,
            remaining: Vec::new(),
            final_wave: true,
            stage: GroupStage::Creating,
            failed: false,
            sync_fail_message: Some(error),
        };
        self.run_group(group, obs)
    }

    fn step_terminate(&mut self, obs: &Observation) -> Vec<Effect> {
        if self.stage == Stage::Terminating {
            self.finish_termination(obs);
            return Vec::new();
        }
        self.stage = Stage::Terminating;
        self.group = None;
        let hooks = self.indices(|t| t.is_hook() && obs.get(&t.key).is_some());
        let mut effects = self.remove_finalizers(&hooks, obs);
        let mut deleted = BTreeSet::new();
        for i in hooks {
            let Some(observed) = obs.get(&self.tasks[i].key) else {
                continue;
            };
            let (phase, message) = hook_phase(observed.health.as_ref(), &self.tasks[i].key.name);
            if phase == HookPhase::Running {
                if deleted.insert(self.tasks[i].key.clone()) {
                    effects.push(self.issue_delete(
                        i,
                        Action::TerminateDelete,
                        DeleteReason::Terminate,
                    ));
                }
            } else {
                let state = if phase == HookPhase::Succeeded {
                    TaskState::Succeeded
                } else {
                    TaskState::Failed
                };
                let result = self.tasks[i].result;
                self.tasks[i].set(result, state, &message);
            }
        }
        for effect in self.delete_hooks(HookDeletePolicy::HookFailed, obs) {
            if effect.key().is_some_and(|k| !deleted.contains(k)) {
                effects.push(effect);
            }
        }
        if effects.is_empty() {
            self.finish_termination(obs);
        }
        effects
    }

    fn finish_termination(&mut self, obs: &Observation) {
        let (phase, message) = if self.termination_errors {
            (OperationPhase::Error, msg::TERMINATION_ERRORS)
        } else {
            (OperationPhase::Failed, msg::TERMINATED)
        };
        self.finish(phase, message.to_owned(), obs.now);
    }

    fn prune(&mut self, i: usize, obs: &Observation) -> Option<Effect> {
        let options = self.tasks[i].options();
        let (result, message) = if !self.request.prune {
            (
                ResultCode::PruneSkipped,
                msg::PRUNE_SKIPPED_REQUIRES_PRUNING,
            )
        } else if options.prune_disabled() || self.request.options.prune_disabled {
            (ResultCode::PruneSkipped, msg::PRUNE_SKIPPED_NO_PRUNE)
        } else if self.request.dry_run {
            (ResultCode::Pruned, msg::PRUNED_DRY_RUN)
        } else if obs
            .get(&self.tasks[i].key)
            .is_some_and(|o| !o.being_deleted())
        {
            return Some(self.issue_delete(i, Action::Prune, DeleteReason::Prune));
        } else {
            (ResultCode::Pruned, msg::PRUNED)
        };
        self.tasks[i].set(Some(result), TaskState::Succeeded, message);
        None
    }

    /// Deletes hooks with `policy` that are not running and still exist.
    fn delete_hooks(&mut self, policy: HookDeletePolicy, obs: &Observation) -> Vec<Effect> {
        let mut keys = BTreeSet::new();
        let targets: Vec<usize> = self
            .indices(|t| t.is_hook() && t.has_policy(policy) && !t.running())
            .into_iter()
            .filter(|&i| {
                obs.get(&self.tasks[i].key)
                    .is_some_and(|o| !o.being_deleted())
            })
            .filter(|&i| keys.insert(self.tasks[i].key.clone()))
            .collect();
        let mut effects = self.remove_finalizers(&targets, obs);
        for i in targets {
            effects.push(self.issue_delete(i, Action::HookPolicyDelete, DeleteReason::HookPolicy));
        }
        effects
    }

    fn remove_finalizers(&mut self, tasks: &[usize], obs: &Observation) -> Vec<Effect> {
        let mut keys = BTreeSet::new();
        let mut effects = Vec::new();
        for &i in tasks {
            let key = self.tasks[i].key.clone();
            let already = self
                .in_flight
                .iter()
                .any(|f| f.action == Action::RemoveFinalizer && self.tasks[f.task].key == key);
            if !already
                && obs.get(&key).is_some_and(|o| o.has_hook_finalizer())
                && keys.insert(key.clone())
            {
                self.in_flight.push(InFlight {
                    task: i,
                    action: Action::RemoveFinalizer,
                });
                effects.push(Effect::RemoveHookFinalizer { key });
            }
        }
        effects
    }

    fn issue(&mut self, i: usize, action: Action, obs: &Observation) -> Effect {
        let dry_run = action == Action::DryRun;
        let effect = self.apply_effect(i, dry_run, obs);
        self.in_flight.push(InFlight { task: i, action });
        effect
    }

    fn issue_delete(&mut self, i: usize, action: Action, reason: DeleteReason) -> Effect {
        self.in_flight.push(InFlight { task: i, action });
        Effect::Delete {
            key: self.tasks[i].key.clone(),
            propagation: self.request.options.propagation,
            reason,
        }
    }

    fn apply_effect(&self, i: usize, dry_run: bool, obs: &Observation) -> Effect {
        let task = &self.tasks[i];
        let options = task.options();
        let request = &self.request;
        let dry_run = dry_run || request.dry_run;
        let method = if request.options.replace || options.replace() {
            match obs.get(&task.key) {
                None => ApplyMethod::Create,
                Some(_)
                    if matches!(
                        task.key.kind.as_str(),
                        "CustomResourceDefinition" | "Namespace"
                    ) =>
                {
                    ApplyMethod::Update
                }
                Some(_) => ApplyMethod::Replace,
            }
        } else {
            ApplyMethod::Apply
        };
        let server_side = !dry_run
            && options
                .target
                .server_side_apply()
                .unwrap_or(request.options.server_side_apply);
        Effect::Apply {
            key: task.key.clone(),
            object: task.target.clone().unwrap_or_default(),
            method,
            dry_run,
            skip_if_kind_unknown: dry_run && task.skip_dry_run_if_kind_unknown,
            server_side,
            force: request.force || options.force(),
            validate: request.options.validate && !options.target.validate_disabled(),
        }
    }

    fn indices(&self, predicate: impl Fn(&super::tasks::SyncTask) -> bool) -> Vec<usize> {
        (0..self.tasks.len())
            .filter(|&i| predicate(&self.tasks[i]))
            .collect()
    }

    fn set_waiting(&mut self, tasks: &[usize], waiting: Waiting) {
        let refs: Vec<_> = tasks.iter().map(|&i| &self.tasks[i]).collect();
        self.phase = OperationPhase::Running;
        self.message = waiting_message(&refs, waiting);
    }
}
