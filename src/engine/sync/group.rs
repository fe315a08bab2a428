//! Running one (phase, wave) group, or the SyncFail hooks, across steps:
//! prunes, then deletions of hooks that must go before creation, then
//! applies (§1.5 step 3, §1.6 steps 11–13, §2.6).

use super::effects::{DeleteReason, Effect, Observation};
use super::hooks::{HookDeletePolicy, SyncPhase};
use super::messages::{self as msg, Waiting, with_reasons};
use super::operation::{Action, GroupRun, GroupStage, OperationPhase, SyncOperation};
use super::tasks::{ResultCode, TaskState};

impl SyncOperation {
    /// Runs (or continues running) one group: prunes, then deletions of hooks
    /// that must go before creation, then applies.
    pub(super) fn run_group(&mut self, mut group: GroupRun, obs: &Observation) -> Vec<Effect> {
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

    pub(super) fn continue_group(&mut self, group: GroupRun, obs: &Observation) -> Vec<Effect> {
        match group.stage {
            GroupStage::HookDeletionsIssued if !group.failed => Vec::new(),
            GroupStage::Pruning | GroupStage::Creating => self.run_group(group, obs),
            GroupStage::HookDeletionsIssued | GroupStage::AppliesIssued => {
                self.after_group(group, obs)
            }
        }
    }

    /// The outcome of a group run (§1.6 step 13).
    pub(super) fn after_group(&mut self, group: GroupRun, obs: &Observation) -> Vec<Effect> {
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
    pub(super) fn set_operation_failed(
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

    pub(super) fn prune(&mut self, i: usize, obs: &Observation) -> Option<Effect> {
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
}
