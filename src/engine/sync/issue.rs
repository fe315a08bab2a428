//! Turning task decisions into effects, and remembering which outcomes are
//! still owed.

use std::collections::BTreeSet;

use super::effects::{ApplyMethod, DeleteReason, Effect, Observation};
use super::hooks::HookDeletePolicy;
use super::messages::{Waiting, waiting_message};
use super::operation::{Action, InFlight, OperationPhase, SyncOperation};
use super::tasks::SyncTask;

impl SyncOperation {
    /// Deletes hooks with `policy` that are not running and still exist.
    pub(super) fn delete_hooks(
        &mut self,
        policy: HookDeletePolicy,
        obs: &Observation,
    ) -> Vec<Effect> {
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

    pub(super) fn remove_finalizers(&mut self, tasks: &[usize], obs: &Observation) -> Vec<Effect> {
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

    pub(super) fn issue(&mut self, i: usize, action: Action, obs: &Observation) -> Effect {
        let dry_run = action == Action::DryRun;
        let effect = self.apply_effect(i, dry_run, obs);
        self.in_flight.push(InFlight { task: i, action });
        effect
    }

    pub(super) fn issue_delete(
        &mut self,
        i: usize,
        action: Action,
        reason: DeleteReason,
    ) -> Effect {
        self.in_flight.push(InFlight { task: i, action });
        Effect::Delete {
            key: self.tasks[i].key.clone(),
            propagation: self.request.options.propagation,
            reason,
        }
    }

    pub(super) fn apply_effect(&self, i: usize, dry_run: bool, obs: &Observation) -> Effect {
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

    pub(super) fn indices(&self, predicate: impl Fn(&SyncTask) -> bool) -> Vec<usize> {
        (0..self.tasks.len())
            .filter(|&i| predicate(&self.tasks[i]))
            .collect()
    }

    pub(super) fn set_waiting(&mut self, tasks: &[usize], waiting: Waiting) {
        let refs: Vec<_> = tasks.iter().map(|&i| &self.tasks[i]).collect();
        self.phase = OperationPhase::Running;
        self.message = waiting_message(&refs, waiting);
    }
}
