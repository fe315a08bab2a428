//! What the loop publishes of one app: its [`AppView`] and timeline.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::app::{AppEntry, operation_view};
use crate::engine::actions::with_overrides;
use crate::engine::compare::{AppComparison, Condition, ConditionType};
use crate::engine::live::{LiveIndex, event_time, uid_of};
use crate::engine::snapshot::{AppView, Freeze, TimelineEntry, TimelineSource};
use crate::engine::sync::OperationPhase;
use crate::model::ResourceKey;

/// The most timeline entries kept per app.
const TIMELINE_LIMIT: usize = 100;

pub fn app_view(entry: &AppEntry) -> Arc<AppView> {
    let app = entry.app();
    let effective = with_overrides(app, &entry.state.autosync);
    let automated = effective
        .spec
        .sync_policy
        .as_ref()
        .filter(|p| p.is_automated())
        .and_then(|p| p.automated.as_ref());
    let stored = entry.state.operation.as_ref();
    let operation = match &entry.running {
        Some(running) => Some(running.view.clone()),
        None => stored.filter(|op| !op.is_done()).map(operation_view),
    };
    let last_operation = stored.filter(|op| op.is_done()).map(operation_view);
    let cluster = match &entry.cluster {
        Ok(cluster) => cluster.info().name.clone(),
        Err(_) => app
            .spec
            .destination
            .as_ref()
            .and_then(|d| d.name.clone().or_else(|| d.server.clone()))
            .unwrap_or_default(),
    };
    Arc::new(AppView {
        name: app.metadata.name.clone(),
        app: Arc::new(app.clone()),
        file: entry.catalog.file.clone(),
        parent: entry.catalog.parent.clone(),
        appset: entry.catalog.appset.as_ref().map(|o| o.appset.clone()),
        cluster,
        comparison: with_loop_conditions(entry),
        operation,
        operation_here: entry.running.is_some(),
        last_operation,
        history: entry.state.history.clone(),
        commits: entry.commits.clone(),
        auto_sync: automated.is_some(),
        self_heal: automated.is_some_and(|a| a.self_heal),
        freeze: entry.state.freeze.clone().map(Freeze::from),
        auto_sync_paused: entry.state.autosync.paused_reason.clone(),
        timeline: timeline(entry),
        compared_at: entry.compared_at,
        preview: entry.preview.clone(),
    })
}

/// The comparison, with a `SyncError` condition while automated sync
/// refuses and an `ApplicationSetWarning` while the app keeps its recorded spec.
fn with_loop_conditions(entry: &AppEntry) -> Option<Arc<AppComparison>> {
    let comparison = entry.comparison.as_ref()?;
    if entry.sync_error.is_none() && entry.appset_warning.is_none() {
        return Some(comparison.clone());
    }
    let mut shown = AppComparison::clone(comparison);
    let added = [
        (ConditionType::SyncError, &entry.sync_error),
        (ConditionType::ApplicationSetWarning, &entry.appset_warning),
    ];
    for (kind, message) in added {
        if let Some(message) = message {
            shown.conditions.push(Condition::new(kind, message.clone()));
        }
    }
    Some(Arc::new(shown))
}

/// Kubernetes events about the app's objects and plumb's own operation
/// events, oldest first.
fn timeline(entry: &AppEntry) -> Vec<TimelineEntry> {
    let mut timeline = entry.events.clone();
    for past in &entry.state.history {
        timeline.push(TimelineEntry {
            at: past.deployed_at,
            source: TimelineSource::Plumb,
            object: None,
            kind: kind_of_phase(past.result).to_owned(),
            reason: format!("Operation{}", past.result.as_str()),
            message: format!(
                "sync to {} by {}: {}",
                short(&past.revision),
                who(past.initiated_by.automated, &past.initiated_by.username),
                past.message
            ),
        });
    }
    let current = entry
        .running
        .as_ref()
        .map(|r| &r.view.operation)
        .or(entry.state.operation.as_ref());
    if let Some(op) = current {
        let by = &op.request.initiated_by;
        timeline.push(TimelineEntry {
            at: op.started_at(),
            source: TimelineSource::Plumb,
            object: None,
            kind: "Normal".to_owned(),
            reason: "OperationStarted".to_owned(),
            message: format!(
                "sync to {} started by {}",
                short(&op.request.revision),
                who(by.automated, &by.username)
            ),
        });
        if op.is_done() && op.message() == crate::engine::store::INTERRUPTED {
            timeline.push(TimelineEntry {
                at: op.finished_at.unwrap_or_else(|| op.started_at()),
                source: TimelineSource::Plumb,
                object: None,
                kind: "Warning".to_owned(),
                reason: "OperationInterrupted".to_owned(),
                message: op.message().to_owned(),
            });
        }
    }
    timeline.sort_by_key(|e| e.at);
    timeline.dedup();
    let excess = timeline.len().saturating_sub(TIMELINE_LIMIT);
    timeline.drain(..excess);
    timeline
}

/// Events the cluster recorded about the objects of a comparison and the
/// objects they own (ReplicaSets, Pods, ...), oldest first.
pub fn kube_events(comparison: &AppComparison, index: &LiveIndex) -> Vec<TimelineEntry> {
    let mut keys: BTreeSet<&ResourceKey> = comparison.resources.iter().map(|r| &r.key).collect();
    for root in &comparison.tree {
        keys.extend(root.walk().into_iter().map(|(_, node)| &node.key));
    }
    let mut events = Vec::new();
    for key in keys {
        let Some(uid) = index.get(key).and_then(|live| uid_of(live)) else {
            continue;
        };
        for event in index.events_for(uid) {
            let text = |field: &str| event[field].as_str().unwrap_or_default().to_owned();
            let Ok(at) = event_time(event).parse::<Timestamp>() else {
                continue;
            };
            events.push(TimelineEntry {
                at,
                source: TimelineSource::Kubernetes,
                object: Some(key.clone()),
                kind: text("type"),
                reason: text("reason"),
                message: text("message"),
            });
        }
    }
    events.sort_by_key(|e| e.at);
    events
}

fn kind_of_phase(phase: OperationPhase) -> &'static str {
    match phase {
        OperationPhase::Succeeded | OperationPhase::Running => "Normal",
        _ => "Warning",
    }
}

fn who(automated: bool, username: &str) -> String {
    if automated {
        "automated sync".to_owned()
    } else {
        username.to_owned()
    }
}

pub fn short(revision: &str) -> String {
    revision.chars().take(8).collect()
}

/// A JSON value as a notice shows it: strings bare, the rest as JSON.
pub fn show_value(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}
