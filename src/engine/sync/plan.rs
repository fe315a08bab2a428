//! What an operation will do, per phase and wave, before it runs: for the
//! sync dialog and `plumb app sync` output.

use super::hooks::SyncPhase;
use super::messages as msg;
use super::operation::SyncOperation;
use crate::model::ResourceKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanAction {
    Create,
    /// Applied over a live object the diff says differs.
    Update,
    /// Applied although the diff says it is unchanged.
    Unchanged,
    /// Not applied: unchanged and `ApplyOutOfSyncOnly=true`.
    Skip,
    Prune,
    /// Prune held until the app is annotated `deletion-approved`.
    PruneNeedsConfirmation,
    /// Live-only but not deleted; the reason is the result message.
    PruneSkipped(&'static str),
    /// A hook run in this phase.
    Hook,
    /// Not permitted; the whole sync will fail.
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub key: ResourceKey,
    pub action: PlanAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanGroup {
    pub phase: SyncPhase,
    pub wave: i32,
    pub items: Vec<PlanItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// In execution order; SyncFail hooks come last and run only on failure.
    pub groups: Vec<PlanGroup>,
    /// Hooks are skipped (apply strategy, selective sync, self-heal).
    pub hooks_skipped: bool,
}

/// Counts for a kapp-style "Changes" line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanSummary {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub skip: usize,
    pub prune: usize,
    pub prune_skipped: usize,
    pub hooks: usize,
    pub invalid: usize,
}

impl Plan {
    pub fn summary(&self) -> PlanSummary {
        let mut s = PlanSummary::default();
        for item in self.groups.iter().flat_map(|g| &g.items) {
            match item.action {
                PlanAction::Create => s.create += 1,
                PlanAction::Update => s.update += 1,
                PlanAction::Unchanged => s.unchanged += 1,
                PlanAction::Skip => s.skip += 1,
                PlanAction::Prune | PlanAction::PruneNeedsConfirmation => s.prune += 1,
                PlanAction::PruneSkipped(_) => s.prune_skipped += 1,
                PlanAction::Hook => s.hooks += 1,
                PlanAction::Invalid(_) => s.invalid += 1,
            }
        }
        s
    }
}

impl std::fmt::Display for PlanSummary {
    /// A kapp-style line: `Op: 2 create, 1 delete, 3 update, 4 noop, 1 hook`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Op: {} create, {} delete, {} update, {} noop, {} hook{}",
            self.create,
            self.prune,
            self.update,
            self.unchanged + self.skip + self.prune_skipped,
            self.hooks,
            if self.hooks == 1 { "" } else { "s" }
        )?;
        if self.invalid > 0 {
            write!(f, ", {} not permitted", self.invalid)?;
        }
        Ok(())
    }
}

impl SyncOperation {
    pub fn plan(&self) -> Plan {
        let request = &self.request;
        let mut groups: Vec<PlanGroup> = Vec::new();
        for task in &self.tasks {
            let options = task.options();
            let action = if let Some(reason) = &task.invalid {
                PlanAction::Invalid(reason.clone())
            } else if task.is_hook() {
                PlanAction::Hook
            } else if task.is_prune() {
                if !request.prune {
                    PlanAction::PruneSkipped(msg::PRUNE_SKIPPED_REQUIRES_PRUNING)
                } else if options.prune_disabled() || request.options.prune_disabled {
                    PlanAction::PruneSkipped(msg::PRUNE_SKIPPED_NO_PRUNE)
                } else if options.prune_confirm() || request.options.prune_confirm {
                    PlanAction::PruneNeedsConfirmation
                } else {
                    PlanAction::Prune
                }
            } else if task.live.is_none() {
                PlanAction::Create
            } else if task.modified {
                PlanAction::Update
            } else if request.options.apply_out_of_sync_only {
                PlanAction::Skip
            } else {
                PlanAction::Unchanged
            };
            let item = PlanItem {
                key: task.key.clone(),
                action,
            };
            match groups.last_mut() {
                Some(g) if g.phase == task.phase && g.wave == task.wave => g.items.push(item),
                _ => groups.push(PlanGroup {
                    phase: task.phase,
                    wave: task.wave,
                    items: vec![item],
                }),
            }
        }
        Plan {
            groups,
            hooks_skipped: request.skips_hooks(),
        }
    }
}
