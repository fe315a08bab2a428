//! The operation messages Argo CD writes, character for character.

use super::tasks::SyncTask;

pub const NOT_VALID: &str = "one or more synchronization tasks are not valid";
pub const DRY_RUN_FAILED: &str = "one or more objects failed to apply (dry run)";
pub const NAMESPACE_FAILED: &str = "the namespace failed to apply";
pub const APPLY_FAILED: &str = "one or more objects failed to apply";
pub const COMPLETED_UNSUCCESSFULLY: &str =
    "one or more synchronization tasks completed unsuccessfully";
pub const SYNC_FAIL_HOOKS_FAILED: &str = "one or more SyncFail hooks failed";
pub const RUNNING: &str = "one or more tasks are running";
pub const SUCCEEDED_NO_MORE_TASKS: &str = "successfully synced (no more tasks)";
pub const SUCCEEDED_ALL_TASKS_RUN: &str = "successfully synced (all tasks run)";
pub const TERMINATED: &str = "Operation terminated";
pub const TERMINATION_ERRORS: &str = "Operation termination had errors";
pub const BLOCKED_BY_WINDOW: &str = crate::engine::policy::SYNC_BLOCKED_BY_WINDOW;
pub const PRUNE_SKIPPED_REQUIRES_PRUNING: &str = "ignored (requires pruning)";
pub const PRUNE_SKIPPED_NO_PRUNE: &str = "ignored (no prune)";
pub const PRUNED: &str = "pruned";
pub const PRUNED_DRY_RUN: &str = "pruned (dry run)";

/// What a Running operation waits for (§1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    Completion,
    Deletion,
    PruneConfirmation,
}

/// `waiting for <reason> <group>/<kind>/<name>[ and <N> more <hooks|resources>]`;
/// an empty string when nothing is waited for.
pub fn waiting_message(tasks: &[&SyncTask], waiting: Waiting) -> String {
    let Some(first) = tasks.iter().find(|t| t.is_hook()).or(tasks.first()) else {
        return String::new();
    };
    let any_hook = tasks.iter().any(|t| t.is_hook());
    let all_hooks = tasks.iter().all(|t| t.is_hook());
    let reason = match waiting {
        Waiting::Completion if any_hook => "completion of hook",
        Waiting::Completion => "healthy state of",
        Waiting::Deletion if any_hook => "deletion of hook",
        Waiting::Deletion => "deletion of",
        Waiting::PruneConfirmation => "pruning confirmation of",
    };
    let mut message = format!("waiting for {reason} {}", first.path());
    if tasks.len() > 1 {
        let noun = if all_hooks { "hooks" } else { "resources" };
        message.push_str(&format!(" and {} more {noun}", tasks.len() - 1));
    }
    message
}

/// `<message>, reason: <distinct task messages joined by ",">`, or the bare
/// message when there are none.
pub fn with_reasons(message: &str, tasks: &[&SyncTask]) -> String {
    let mut reasons: Vec<&str> = Vec::new();
    for task in tasks {
        if !reasons.contains(&task.message.as_str()) {
            reasons.push(&task.message);
        }
    }
    if reasons.is_empty() {
        message.to_owned()
    } else {
        format!("{message}, reason: {}", reasons.join(","))
    }
}

/// `one or more synchronization tasks are not valid[: <sorted distinct messages joined by "; ">]`.
pub fn not_valid_message(messages: &[&str]) -> String {
    let mut distinct: Vec<&str> = messages.iter().copied().filter(|m| !m.is_empty()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.is_empty() {
        NOT_VALID.to_owned()
    } else {
        format!("{NOT_VALID}: {}", distinct.join("; "))
    }
}
