//! Automated sync after each comparison, through Argo CD's gates
//! ([`decide_auto_sync`]) plus the freeze, with notices that say what was
//! done or held back.

use jiff::Timestamp;

use super::engine::Reconciler;
use super::view::show_value;
use crate::engine::actions::{permitted_resources, start_operation, with_overrides};
use crate::engine::compare::{AppComparison, SyncStatus};
use crate::engine::policy::{
    AutoSyncDecision, AutoSyncInput, ComparisonSummary, LastOperation, ResourceSyncSummary,
    SyncStatusCode, can_sync, decide_auto_sync,
};
use crate::engine::snapshot::NoticeLevel;
use crate::engine::sync::SyncRequest;
use crate::model::Application;

impl Reconciler {
    /// Lets automated sync act on the app at `at`'s latest comparison.
    pub(super) fn auto_sync(&mut self, at: usize) {
        // Looked at now: a deadline is set again below if one still applies.
        self.apps[at].heal_retry_at = None;
        if self.config.readonly {
            return;
        }
        let entry = &self.apps[at];
        let (Some(comparison), Ok(project)) = (entry.comparison.clone(), entry.project.clone())
        else {
            return;
        };
        let app = with_overrides(entry.app(), &entry.state.autosync);
        let freeze = entry
            .state
            .freeze
            .as_ref()
            .or(self.global_freeze.as_ref())
            .map(|f| f.reason.clone());
        let now = Timestamp::now();
        if let Some(until) = entry.settle_until.filter(|until| *until > now) {
            self.apps[at].heal_retry_at = Some(until);
            return;
        }
        let last = entry.state.operation.as_ref().map(LastOperation::of);
        let decision = decide_auto_sync(&AutoSyncInput {
            app: &app,
            comparison: &summary(&comparison, &app),
            operation_in_progress: entry.operation_in_progress(),
            last: last.as_ref(),
            window_allows: can_sync(&project.spec.sync_windows, &app, false, now, None),
            now,
            freeze: freeze.as_deref(),
            self_heal: self.config.self_heal,
        });
        let name = app.metadata.name.clone();
        let drifted = comparison.sync == SyncStatus::OutOfSync;
        let sync_error = match &decision {
            AutoSyncDecision::Error(message) => Some(message.clone()),
            _ => None,
        };
        if self.apps[at].sync_error != sync_error {
            self.apps[at].sync_error = sync_error;
            self.dirty = true;
        }
        match decision {
            AutoSyncDecision::Skip { reason, retry_at } => {
                self.apps[at].heal_retry_at = retry_at;
                if !drifted {
                    self.apps[at].auto_notice = None;
                } else if freeze.as_deref() == Some(reason.as_str()) {
                    self.say_once(
                        at,
                        NoticeLevel::Warning,
                        format!("frozen: drift kept ({reason})"),
                    );
                }
            }
            AutoSyncDecision::Error(message) => {
                self.say_once(
                    at,
                    NoticeLevel::Error,
                    format!("auto-sync of {name}: {message}"),
                );
            }
            AutoSyncDecision::Sync(request) => {
                let message = describe(&comparison, &request);
                let resources = permitted_resources(&app, &project, &comparison);
                let op = start_operation(&app, &comparison, *request, resources);
                self.apps[at].auto_notice = None;
                match self.start_operation(at, op) {
                    Ok(()) => self.notice(Some(&name), NoticeLevel::Info, message),
                    Err(error) => self.say_once(at, NoticeLevel::Error, error),
                }
            }
        }
    }

    /// A notice about the app at `at`, unless it is the one said last.
    fn say_once(&mut self, at: usize, level: NoticeLevel, message: String) {
        if self.apps[at].auto_notice.as_ref() == Some(&message) {
            return;
        }
        self.apps[at].auto_notice = Some(message.clone());
        let name = self.apps[at].name().to_owned();
        self.notice(Some(&name), level, message);
    }
}

/// What automated sync needs of a comparison.
pub fn summary(comparison: &AppComparison, app: &Application) -> ComparisonSummary {
    let code = |status: Option<SyncStatus>| match status {
        Some(SyncStatus::Synced) => SyncStatusCode::Synced,
        Some(SyncStatus::OutOfSync) => SyncStatusCode::OutOfSync,
        _ => SyncStatusCode::Unknown,
    };
    ComparisonSummary {
        status: code(Some(comparison.sync)),
        resources: comparison
            .resources
            .iter()
            .filter(|r| r.status.is_some())
            .map(|r| ResourceSyncSummary {
                key: r.key.clone(),
                status: code(r.status),
                requires_pruning: r.requires_pruning,
            })
            .collect(),
        revision: comparison.revisions.first().cloned().unwrap_or_default(),
        sources: app.spec.all_sources().into_iter().cloned().collect(),
    }
}

/// `self-heal: reverting Deployment payments/payments (spec.replicas 5 → 3),
/// attempt 1`, or the automated sync of a new revision.
pub fn describe(comparison: &AppComparison, request: &SyncRequest) -> String {
    if !request.self_heal {
        let revision: String = request.revision.chars().take(8).collect();
        return format!("auto-sync: syncing {} to {revision}", comparison.app);
    }
    let keys = request.resources.as_deref().unwrap_or_default();
    let mut what = Vec::new();
    for key in keys {
        let place = match key.namespace.as_str() {
            "" => key.name.clone(),
            namespace => format!("{namespace}/{}", key.name),
        };
        let change = comparison
            .resource(key)
            .and_then(|r| r.diff.as_ref())
            .and_then(|d| d.changed_paths.first());
        what.push(match change {
            Some(change) => format!(
                "{} {place} ({} {} → {})",
                key.kind,
                change.path,
                show_value(change.live.as_ref()),
                show_value(change.desired.as_ref())
            ),
            None => format!("{} {place}", key.kind),
        });
    }
    let what = match what.len() {
        0 => comparison.app.clone(),
        1 => what.remove(0),
        n => format!("{} and {} more", what.remove(0), n - 1),
    };
    format!(
        "self-heal: reverting {what}, attempt {}",
        request.auto_heal_attempts
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compare::ResourceResult;
    use crate::engine::diff::{FieldChange, ResourceDiff};
    use crate::engine::health::Health;
    use crate::model::ResourceKey;
    use serde_json::json;

    fn drifted() -> AppComparison {
        let key = ResourceKey::new("apps", "Deployment", "payments", "payments");
        let resource = ResourceResult {
            key,
            version: "v1".into(),
            status: Some(SyncStatus::OutOfSync),
            requires_pruning: false,
            health: None,
            hook: false,
            changed_paths: vec!["spec.replicas".into()],
            blame: Vec::new(),
            message: String::new(),
            desired: None,
            live: None,
            counts_for_app: true,
            diff: Some(ResourceDiff {
                changed_paths: vec![FieldChange {
                    path: "spec.replicas".into(),
                    elements: Vec::new(),
                    desired: Some(json!(3)),
                    live: Some(json!(5)),
                }],
                ..ResourceDiff::default()
            }),
        };
        AppComparison {
            app: "payments".into(),
            sync: SyncStatus::OutOfSync,
            health: Health::healthy(),
            revisions: vec!["4f2a9c1e00".into()],
            conditions: Vec::new(),
            resources: vec![resource],
            orphaned: Vec::new(),
            tree: Vec::new(),
            namespace_live: false,
            pending_hooks: Vec::new(),
        }
    }

    #[test]
    fn self_heal_names_the_field_it_reverts_and_the_attempt() {
        let comparison = drifted();
        let mut request = SyncRequest::new("4f2a9c1e00", Timestamp::UNIX_EPOCH);
        request.self_heal = true;
        request.auto_heal_attempts = 1;
        request.resources = Some(vec![comparison.resources[0].key.clone()]);
        assert_eq!(
            describe(&comparison, &request),
            "self-heal: reverting Deployment payments/payments (spec.replicas 5 → 3), attempt 1"
        );
        request.self_heal = false;
        assert_eq!(
            describe(&comparison, &request),
            "auto-sync: syncing payments to 4f2a9c1e"
        );
    }

    #[test]
    fn summary_carries_statuses_and_the_revision() {
        let comparison = drifted();
        let app: Application = serde_yaml::from_str(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: payments}\nspec: {}\n",
        )
        .unwrap();
        let summary = summary(&comparison, &app);
        assert_eq!(summary.status, SyncStatusCode::OutOfSync);
        assert_eq!(summary.revision, "4f2a9c1e00");
        assert_eq!(summary.resources[0].status, SyncStatusCode::OutOfSync);
    }
}
