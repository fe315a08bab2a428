//! What a sync would do, for the sync modal, and how far a running one
//! has got, for the app header and the list. The plan comes from the
//! engine's own task builder, so the modal shows the waves and hooks the
//! operation will run.

use crate::engine::actions::{start_operation, sync_request};
use crate::engine::runtime::sync_resources;
use crate::engine::snapshot::{AppView, OperationView, SyncCommand};
use crate::engine::sync::{Plan, PlanAction, SyncPhase, SyncTask, TaskState};

/// The plan for a manual sync of `view` with `options`, from its latest
/// comparison. Project and window gates are the engine's: it may still
/// refuse when the command arrives.
pub fn sync_plan(view: &AppView, options: &SyncCommand) -> Result<Plan, String> {
    let comparison = view
        .comparison
        .as_ref()
        .ok_or_else(|| format!("{} has not been compared yet", view.name))?;
    let now = jiff::Timestamp::now();
    let request = sync_request(&view.app, comparison, options, now);
    let op = start_operation(&view.app, comparison, request, sync_resources(comparison));
    let mut plan = op.plan();
    // A hook named by generateName ends in the operation's start time,
    // which this preview cannot know.
    let stamp = format!("-{}", now.as_second());
    for item in plan.groups.iter_mut().flat_map(|g| &mut g.items) {
        if item.action == PlanAction::Hook
            && let Some(stem) = item.key.name.strip_suffix(&stamp)
        {
            item.key.name = format!("{stem}-{START_PLACEHOLDER}");
        }
    }
    Ok(plan)
}

/// Stands in a previewed hook name for the start time of the operation.
pub const START_PLACEHOLDER: &str = "<start>";

/// One phase and wave of a running operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveProgress {
    pub phase: SyncPhase,
    pub wave: i32,
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub running: usize,
    /// Failed resources with their messages (kind/name: message).
    pub failures: Vec<String>,
}

impl WaveProgress {
    pub fn done(&self) -> bool {
        self.succeeded + self.failed == self.total
    }
}

/// The operation's tasks grouped by phase and wave, in execution order.
pub fn progress(op: &OperationView) -> Vec<WaveProgress> {
    let mut waves: Vec<WaveProgress> = Vec::new();
    for task in &op.operation.tasks {
        let wave = match waves.last_mut() {
            Some(w) if w.phase == task.phase && w.wave == task.wave => w,
            _ => {
                waves.push(WaveProgress {
                    phase: task.phase,
                    wave: task.wave,
                    total: 0,
                    succeeded: 0,
                    failed: 0,
                    running: 0,
                    failures: Vec::new(),
                });
                let last = waves.len() - 1;
                &mut waves[last]
            }
        };
        wave.total += 1;
        match task.state {
            TaskState::Succeeded => wave.succeeded += 1,
            TaskState::Failed | TaskState::Error => {
                wave.failed += 1;
                wave.failures.push(failure(task));
            }
            TaskState::Running => wave.running += 1,
            TaskState::Pending => {}
        }
    }
    waves
}

fn failure(task: &SyncTask) -> String {
    format!("{}/{}: {}", task.key.kind, task.key.name, task.message)
}

/// `done/total` resources of a running operation, for the list.
pub fn counts(op: &OperationView) -> (usize, usize) {
    progress(op).iter().fold((0, 0), |(done, total), w| {
        (done + w.succeeded + w.failed, total + w.total)
    })
}
