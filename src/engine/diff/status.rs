//! Per-resource sync status (§6.5) and prune eligibility (§5.4) from a
//! target/live pair and the diff's verdict.

use serde_json::Value;

use crate::model::{annotation, group_of, kind_of, name_of, namespace_of};

const COMPARE_OPTIONS: &str = "argocd.argoproj.io/compare-options";

/// Sync status of one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceSyncStatus {
    Synced,
    OutOfSync,
}

/// What one reconciled pair means for the resource and for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceVerdict {
    /// `None` when the resource gets no status (tracking copied from another object).
    pub status: Option<ResourceSyncStatus>,
    /// Live-only and self-referenced: the sync would delete it when pruning.
    pub requires_pruning: bool,
    /// Whether an OutOfSync status makes the app OutOfSync.
    pub counts_for_app: bool,
}

/// The parts of a tracking-id value `<app>:<group>/<kind>:<namespace>/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingId<'a> {
    pub app: &'a str,
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

/// Parses a tracking-id; `None` when it is malformed (treated as absent).
pub fn parse_tracking_id(value: &str) -> Option<TrackingId<'_>> {
    let mut parts = value.splitn(3, ':');
    let (app, group_kind, namespace_name) = (parts.next()?, parts.next()?, parts.next()?);
    let (group, kind) = split_exactly_two(group_kind)?;
    let (namespace, name) = split_exactly_two(namespace_name)?;
    Some(TrackingId {
        app,
        group,
        kind,
        namespace,
        name,
    })
}

fn split_exactly_two(text: &str) -> Option<(&str, &str)> {
    let (a, b) = text.split_once('/')?;
    (!b.contains('/')).then_some((a, b))
}

/// True unless the object's tracking-id (under `tracking_annotation`) names
/// another object, i.e. it was copied here by some controller.
pub fn is_self_referenced(live: &Value, tracking_annotation: &str) -> bool {
    let Some(id) = annotation(live, tracking_annotation).and_then(parse_tracking_id) else {
        return true;
    };
    let namespace = namespace_of(live);
    id.group == group_of(live)
        && id.kind == kind_of(live)
        && id.name == name_of(live)
        && (id.namespace == namespace || namespace.is_empty())
}

/// The verdict for a pair given the diff's `modified`.
pub fn resource_verdict(
    target: Option<&Value>,
    live: Option<&Value>,
    modified: bool,
    tracking_annotation: &str,
) -> ResourceVerdict {
    if live.is_some_and(|l| !is_self_referenced(l, tracking_annotation)) {
        return ResourceVerdict {
            status: None,
            requires_pruning: false,
            counts_for_app: false,
        };
    }
    let out_of_sync = modified || target.is_none() || live.is_none();
    let requires_pruning = target.is_none() && live.is_some();
    let ignore_extraneous = requires_pruning
        && live
            .and_then(|l| annotation(l, COMPARE_OPTIONS))
            .is_some_and(|opts| opts.split(',').any(|o| o.trim() == "IgnoreExtraneous"));
    ResourceVerdict {
        status: Some(if out_of_sync {
            ResourceSyncStatus::OutOfSync
        } else {
            ResourceSyncStatus::Synced
        }),
        requires_pruning,
        counts_for_app: !ignore_extraneous,
    }
}

/// The app is OutOfSync when any counted resource is.
pub fn app_out_of_sync(verdicts: &[ResourceVerdict]) -> bool {
    verdicts
        .iter()
        .any(|v| v.counts_for_app && v.status == Some(ResourceSyncStatus::OutOfSync))
}
