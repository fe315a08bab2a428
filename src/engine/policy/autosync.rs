//! Automated sync (§4.2) and self-heal backoff (§4.3): whether a refresh
//! should start an operation, and which one.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::options::SyncOptions;
use crate::engine::sync::{InitiatedBy, OperationPhase, RetryPolicy, SyncOperation, SyncRequest};
use crate::model::{Application, ApplicationSource, ResourceKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncStatusCode {
    Synced,
    OutOfSync,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSyncSummary {
    pub key: ResourceKey,
    pub status: SyncStatusCode,
    pub requires_pruning: bool,
}

/// The result of the latest comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSummary {
    pub status: SyncStatusCode,
    pub resources: Vec<ResourceSyncSummary>,
    /// The revision the comparison resolved.
    pub revision: String,
    pub sources: Vec<ApplicationSource>,
}

/// What auto-sync needs to know about the previous operation.
#[derive(Debug, Clone, PartialEq)]
pub struct LastOperation {
    pub phase: OperationPhase,
    pub message: String,
    pub revision: String,
    pub sources: Vec<ApplicationSource>,
    pub finished_at: Option<Timestamp>,
    pub auto_heal_attempts: u32,
}

impl LastOperation {
    pub fn of(op: &SyncOperation) -> Self {
        LastOperation {
            phase: op.phase(),
            message: op.message().to_owned(),
            revision: op.request.revision.clone(),
            sources: op.request.sources.clone(),
            finished_at: op.finished_at,
            auto_heal_attempts: op.request.auto_heal_attempts,
        }
    }
}

/// The controller's self-heal flags and their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfHealSettings {
    /// `--self-heal-timeout-seconds` (legacy mode, used when backoff timeout is 0).
    pub timeout: Duration,
    pub backoff_timeout: Duration,
    pub backoff_factor: u32,
    pub backoff_cap: Duration,
}

impl Default for SelfHealSettings {
    fn default() -> Self {
        SelfHealSettings {
            timeout: Duration::ZERO,
            backoff_timeout: Duration::from_secs(2),
            backoff_factor: 3,
            backoff_cap: Duration::from_secs(300),
        }
    }
}

impl SelfHealSettings {
    /// The delay required after `attempts` self-heals: 0, 2 s, 6 s, 18 s, … capped.
    pub fn delay(&self, attempts: u32) -> Duration {
        if self.backoff_timeout.is_zero() {
            return self.timeout;
        }
        if attempts == 0 {
            return Duration::ZERO;
        }
        let mut delay = self.backoff_timeout;
        for _ in 1..attempts {
            delay = delay.saturating_mul(self.backoff_factor);
            if delay >= self.backoff_cap {
                return self.backoff_cap;
            }
        }
        delay.min(self.backoff_cap)
    }
}

pub struct AutoSyncInput<'a> {
    pub app: &'a Application,
    pub comparison: &'a ComparisonSummary,
    pub operation_in_progress: bool,
    pub last: Option<&'a LastOperation>,
    /// The sync windows allow an automatic sync now.
    pub window_allows: bool,
    pub now: Timestamp,
    /// plumb's incident freeze: pauses auto-sync and self-heal with this reason.
    pub freeze: Option<&'a str>,
    pub self_heal: SelfHealSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AutoSyncDecision {
    /// Nothing to do; `retry_at` says when to look again (self-heal backoff).
    Skip {
        reason: String,
        retry_at: Option<Timestamp>,
    },
    /// Do not sync and set a `SyncError` condition with this message.
    Error(String),
    Sync(Box<SyncRequest>),
}

fn skip(reason: &str) -> AutoSyncDecision {
    AutoSyncDecision::Skip {
        reason: reason.to_owned(),
        retry_at: None,
    }
}

pub const SKIP_WINDOW: &str = "Sync prevented by sync window";

/// The gates of §4.2, in order; the first that applies decides.
pub fn decide_auto_sync(input: &AutoSyncInput) -> AutoSyncDecision {
    let app = input.app;
    let Some(automated) = app
        .spec
        .sync_policy
        .as_ref()
        .filter(|p| p.is_automated())
        .and_then(|p| p.automated.as_ref())
    else {
        return skip("automated sync is not enabled");
    };
    if let Some(reason) = input.freeze {
        return skip(reason);
    }
    if !input.window_allows {
        return skip(SKIP_WINDOW);
    }
    if input.operation_in_progress {
        return skip("an operation is in progress");
    }
    if app
        .metadata
        .server_fields
        .get("deletionTimestamp")
        .is_some_and(|t| !t.is_null())
    {
        return skip("application is being deleted");
    }
    let comparison = input.comparison;
    if comparison.status != SyncStatusCode::OutOfSync {
        return skip("application is not OutOfSync");
    }
    let out_of_sync: Vec<&ResourceSyncSummary> = comparison
        .resources
        .iter()
        .filter(|r| r.status != SyncStatusCode::Synced)
        .collect();
    if !automated.prune && out_of_sync.iter().all(|r| r.requires_pruning) {
        return skip("need to prune extra resources only but automated prune is disabled");
    }
    let revisions = format!("[{}]", comparison.revision);
    if let Some(last) = input.last.filter(|l| already_attempted(l, comparison)) {
        if last.phase != OperationPhase::Succeeded {
            return AutoSyncDecision::Error(format!(
                "Failed last sync attempt to {revisions}: {}",
                last.message
            ));
        }
        if !automated.self_heal {
            return skip(&format!("most recent sync already to {revisions}"));
        }
        let attempts = last.auto_heal_attempts;
        let delay = SignedDuration::try_from(input.self_heal.delay(attempts))
            .unwrap_or(SignedDuration::MAX);
        if let Some(finished) = last.finished_at {
            let due = finished.checked_add(delay).unwrap_or(Timestamp::MAX);
            if due > input.now {
                return AutoSyncDecision::Skip {
                    reason: "self-heal backoff".to_owned(),
                    retry_at: Some(due),
                };
            }
        }
        let mut request = base_request(input, automated.prune);
        request.resources = Some(out_of_sync.iter().map(|r| r.key.clone()).collect());
        request.self_heal = true;
        request.auto_heal_attempts = attempts + 1;
        return retry_for(request, input);
    }
    if automated.prune
        && !automated.allow_empty
        && comparison.resources.iter().all(|r| r.requires_pruning)
    {
        return AutoSyncDecision::Error(format!(
            "Skipping sync attempt to {revisions}: auto-sync will wipe out all resources"
        ));
    }
    retry_for(base_request(input, automated.prune), input)
}

/// The last operation synced the same revision from the same sources and has
/// finished. One cut short by a dead plumb is no verdict on its revision (an
/// Argo CD controller that restarts resumes its operation), so it is tried again.
fn already_attempted(last: &LastOperation, comparison: &ComparisonSummary) -> bool {
    last.phase.is_completed()
        && last.message != crate::engine::store::INTERRUPTED
        && last.revision == comparison.revision
        && last.sources == comparison.sources
}

fn base_request(input: &AutoSyncInput, prune: bool) -> SyncRequest {
    let options = input
        .app
        .spec
        .sync_policy
        .as_ref()
        .map(|p| p.sync_options.clone())
        .unwrap_or_default();
    let mut request = SyncRequest::new(&input.comparison.revision, input.now);
    request.sources = input.comparison.sources.clone();
    request.prune = prune;
    request.options = SyncOptions::parse(&options);
    request.initiated_by = InitiatedBy {
        username: String::new(),
        automated: true,
    };
    request.managed_namespace_metadata = input
        .app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.managed_namespace_metadata.clone());
    request
}

fn retry_for(mut request: SyncRequest, input: &AutoSyncInput) -> AutoSyncDecision {
    let strategy = input
        .app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.retry.as_ref());
    request.retry = match strategy {
        None => Some(RetryPolicy::automated_default()),
        Some(s) => match RetryPolicy::from_strategy(s) {
            Ok(policy) => Some(policy),
            Err(e) => return AutoSyncDecision::Error(format!("invalid retry strategy: {e}")),
        },
    };
    AutoSyncDecision::Sync(Box::new(request))
}
