//! Prune ordering (§1.5): prune waves run in reverse, and `PruneLast` moves
//! prunes after every Sync-phase wave.

use std::collections::BTreeSet;

use super::hooks::SyncPhase;
use super::tasks::SyncTask;

/// Swaps the distinct prune waves symmetrically (smallest ↔ largest), so what
/// was created last is pruned first.
pub fn reverse_prune_waves(tasks: &mut [SyncTask]) {
    let waves: Vec<i32> = tasks
        .iter()
        .filter(|t| t.is_prune())
        .map(|t| t.wave)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for task in tasks.iter_mut().filter(|t| t.is_prune()) {
        if let Some(i) = waves.iter().position(|w| *w == task.wave) {
            task.wave = waves[waves.len() - 1 - i];
        }
    }
}

/// Moves prunes marked `PruneLast` (operation-wide or on the live object) to
/// one past the highest Sync-phase wave (at least wave 1).
pub fn apply_prune_last(tasks: &mut [SyncTask], operation_prune_last: bool) {
    let last_wave = tasks
        .iter()
        .filter(|t| t.phase == SyncPhase::Sync)
        .map(|t| t.wave)
        .fold(0, i32::max)
        + 1;
    for task in tasks.iter_mut().filter(|t| t.is_prune()) {
        if operation_prune_last || task.options().prune_last() {
            task.wave = last_wave;
        }
    }
}
