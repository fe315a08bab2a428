//! Termination (§8.3): running hooks are deleted and the operation ends
//! `Operation terminated`.

use std::collections::BTreeSet;

use super::effects::{DeleteReason, Effect, Observation};
use super::hooks::HookDeletePolicy;
use super::messages as msg;
use super::operation::{Action, OperationPhase, Stage, SyncOperation};
use super::tasks::TaskState;
use crate::engine::health::{HookPhase, hook_phase};

impl SyncOperation {
    pub(super) fn step_terminate(&mut self, obs: &Observation) -> Vec<Effect> {
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

    pub(super) fn finish_termination(&mut self, obs: &Observation) {
        let (phase, message) = if self.termination_errors {
            (OperationPhase::Error, msg::TERMINATION_ERRORS)
        } else {
            (OperationPhase::Failed, msg::TERMINATED)
        };
        self.finish(phase, message.to_owned(), obs.now);
    }
}
