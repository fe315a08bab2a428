//! Pairing targets with live objects and judging each pair.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::hooks::{Role, role};
use super::targets::{self, Target};
use super::{AppComparison, CompareInput, Condition, ConditionType, SyncStatus, orphans};
use crate::engine::diff::status::{ResourceSyncStatus, resource_verdict};
use crate::engine::diff::{DiffOptions, ResourceDiff, blame, diff_with};
use crate::engine::health::{AppResourceHealth, Health, aggregate, resource_health};
use crate::engine::live::{LiveIndex, has_owner, uid_of};
use crate::engine::policy::{kind_permitted, spec_violations};
use crate::engine::tracking::{instance_name, qualified_name, tracked_instance};
use crate::engine::tree;
use crate::model::{Application, ResourceKey, kind_of, name_of, namespace_of, version_of};

/// The comparison of one resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResult {
    #[serde(flatten)]
    pub key: ResourceKey,
    pub version: String,
    /// `None`: no status (hooks, Skip, ignored, not self-referenced).
    pub status: Option<SyncStatus>,
    pub requires_pruning: bool,
    /// `Missing` when there is no live object; `None` for kinds without health.
    pub health: Option<Health>,
    pub hook: bool,
    pub changed_paths: Vec<String>,
    pub blame: Vec<BlameLine>,
    /// Why the resource could not be compared, or skipped ignore rules.
    pub message: String,
    /// The diff, for showing it (`text_diff`); Secret values only masked in `masked()`.
    #[serde(skip)]
    pub diff: Option<ResourceDiff>,
    #[serde(skip)]
    pub desired: Option<Value>,
    #[serde(skip)]
    pub live: Option<Arc<Value>>,
    #[serde(skip)]
    pub counts_for_app: bool,
}

/// A drifted field and who wrote it; `text` reads
/// `spec.replicas 3 → 5, by kubectl (scale) at 14:02:11`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlameLine {
    pub path: String,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    pub manager: Option<String>,
    pub operation: Option<String>,
    pub subresource: Option<String>,
    pub time: Option<String>,
    pub text: String,
}

pub fn compare(input: &CompareInput<'_>) -> AppComparison {
    let app = input.app;
    let instance = instance_name(app);
    let destination_namespace = app.spec.destination_namespace().to_owned();
    let sources: Vec<_> = app.spec.all_sources().into_iter().cloned().collect();
    let mut conditions: Vec<Condition> = spec_violations(app, input.project, &sources)
        .into_iter()
        .map(|message| Condition::new(ConditionType::InvalidSpecError, message))
        .collect();
    let targets = match &input.desired {
        Ok(objects) => targets::prepare(
            objects,
            &instance,
            &destination_namespace,
            input.scope,
            input.tracking,
            &mut conditions,
        ),
        Err(message) => {
            conditions.push(Condition::new(ConditionType::ComparisonError, message));
            Vec::new()
        }
    };
    let live = match &input.live {
        Ok(live) => live,
        Err(message) => return unreachable(input, targets, conditions, message),
    };
    let pairs = pair(input, live, &targets, &instance, &mut conditions);
    let desired_known = input.desired.is_ok();
    let (pending_hooks, mut resources) = split_pending_hooks(
        pairs
            .into_iter()
            .map(|pair| judge(input, pair, desired_known, &mut conditions))
            .collect(),
    );
    resources.sort_by(|a, b| a.key.cmp(&b.key));

    let comparison_failed = conditions.iter().any(|c| {
        matches!(
            c.kind,
            ConditionType::ComparisonError | ConditionType::InvalidSpecError
        )
    });
    let sync = if comparison_failed {
        SyncStatus::Unknown
    } else if resources
        .iter()
        .any(|r| r.counts_for_app && r.status == Some(SyncStatus::OutOfSync))
    {
        SyncStatus::OutOfSync
    } else {
        SyncStatus::Synced
    };
    let health = aggregate(
        &resources
            .iter()
            .map(|r| health_input(app, r, input))
            .collect::<Vec<_>>(),
    );
    let target_keys: HashSet<&ResourceKey> = targets.iter().map(|t| &t.key).collect();
    let orphaned = orphans::find(input, live, &destination_namespace, &target_keys);
    if input
        .project
        .spec
        .orphaned_resources
        .as_ref()
        .is_some_and(|o| o.warn == Some(true))
        && !orphaned.is_empty()
    {
        conditions.push(Condition::new(
            ConditionType::OrphanedResourceWarning,
            format!("Application has {} orphaned resources", orphaned.len()),
        ));
    }
    let tree = tree::build(&resources, Some(live), input.health);
    let namespace_key = ResourceKey::new("", "Namespace", "", &destination_namespace);
    AppComparison {
        app: app.metadata.name.clone(),
        sync,
        health,
        revisions: input.revisions.clone(),
        conditions,
        resources,
        orphaned,
        tree,
        namespace_live: live.get(&namespace_key).is_some(),
        pending_hooks,
    }
}

/// As in Argo CD, a hook is an app resource only while it exists live; the
/// hooks that have not run are kept apart for the next sync.
fn split_pending_hooks(
    resources: Vec<ResourceResult>,
) -> (Vec<ResourceResult>, Vec<ResourceResult>) {
    resources
        .into_iter()
        .partition(|r| r.hook && r.live.is_none())
}

/// One target/live pair, with the target's role and whether the project permits it.
struct Pair<'a> {
    key: ResourceKey,
    target: Option<&'a Target>,
    live: Option<Arc<Value>>,
    permitted: bool,
}

fn pair<'a>(
    input: &CompareInput<'_>,
    live: &LiveIndex,
    targets: &'a [Target],
    instance: &str,
    conditions: &mut Vec<Condition>,
) -> Vec<Pair<'a>> {
    let mut paired_uids: HashSet<String> = HashSet::new();
    let mut paired_keys: HashSet<ResourceKey> = HashSet::new();
    let mut pairs = Vec::new();
    for target in targets {
        let namespaced = target
            .namespaced
            .unwrap_or(!target.key.namespace.is_empty());
        let permitted = kind_permitted(
            input.project,
            &target.key.group,
            &target.key.kind,
            &target.key.name,
            namespaced,
        );
        let found = find_live(live, target).filter(|_| permitted).cloned();
        if let Some(object) = &found {
            if let Some(uid) = uid_of(object) {
                paired_uids.insert(uid.to_owned());
            }
            paired_keys.insert(ResourceKey::of(object));
            if let Some(other) = tracked_instance(object, input.tracking)
                && other != instance
            {
                conditions.push(Condition::new(
                    ConditionType::SharedResourceWarning,
                    format!(
                        "{}/{} is part of applications {} and {}",
                        target.key.kind,
                        target.key.name,
                        qualified_name(instance),
                        qualified_name(other)
                    ),
                ));
            }
        }
        pairs.push(Pair {
            key: target.key.clone(),
            target: Some(target),
            live: found,
            permitted,
        });
    }
    for object in live.tracked_by(input.tracking, instance) {
        let key = ResourceKey::of(object);
        let duplicate = uid_of(object).is_some_and(|uid| paired_uids.contains(uid));
        if has_owner(object) || duplicate || paired_keys.contains(&key) {
            continue;
        }
        let namespaced = (input.scope)(&key.group, &key.kind).unwrap_or(!key.namespace.is_empty());
        if !kind_permitted(input.project, &key.group, &key.kind, &key.name, namespaced) {
            continue;
        }
        pairs.push(Pair {
            key,
            target: None,
            live: Some(object.clone()),
            permitted: true,
        });
    }
    pairs
}

/// The live object at a target's key; when discovery does not know the
/// kind's scope, the cluster-scoped key is tried too.
fn find_live<'a>(live: &'a LiveIndex, target: &Target) -> Option<&'a Arc<Value>> {
    live.get(&target.key).or_else(|| {
        if target.namespaced.is_some() || target.key.namespace.is_empty() {
            return None;
        }
        let mut cluster_key = target.key.clone();
        cluster_key.namespace.clear();
        live.get(&cluster_key)
    })
}

fn judge(
    input: &CompareInput<'_>,
    pair: Pair<'_>,
    desired_known: bool,
    conditions: &mut Vec<Condition>,
) -> ResourceResult {
    let desired = pair.target.map(|t| &t.object);
    let live = pair.live.as_deref();
    let object_role = desired.map(role).unwrap_or(Role::Resource);
    let object_role = match (object_role, live.map(role)) {
        (Role::Resource, Some(live_role)) => live_role,
        (role, _) => role,
    };
    let mut result = ResourceResult {
        version: desired.or(live).map(version_of).unwrap_or("").to_owned(),
        key: pair.key,
        status: None,
        requires_pruning: false,
        health: resource_health(live, input.health),
        hook: object_role == Role::Hook,
        changed_paths: Vec::new(),
        blame: Vec::new(),
        message: String::new(),
        diff: None,
        desired: desired.cloned(),
        live: pair.live.clone(),
        counts_for_app: false,
    };
    if object_role != Role::Resource {
        return result;
    }
    if !pair.permitted {
        result.status = Some(SyncStatus::Unknown);
        result.message = format!(
            "resource {}:{} is not permitted in project {}",
            result.key.group, result.key.kind, input.project.metadata.name
        );
        return result;
    }
    if !desired_known {
        result.status = Some(SyncStatus::Unknown);
        return result;
    }
    let predicted = input
        .predicted_live
        .and_then(|by_key| by_key.get(&result.key))
        .cloned();
    let options = DiffOptions {
        server_side: predicted.is_some(),
        server_predicted_live: predicted,
    };
    match diff_with(desired, live, input.ignore, &options) {
        Ok(diff) => {
            let key = input.tracking.self_reference_key();
            let verdict = resource_verdict(desired, live, diff.modified, key);
            result.status = verdict.status.map(|s| match s {
                ResourceSyncStatus::Synced => SyncStatus::Synced,
                ResourceSyncStatus::OutOfSync => SyncStatus::OutOfSync,
            });
            result.requires_pruning = verdict.requires_pruning;
            result.counts_for_app = verdict.counts_for_app;
            result.message = diff.warnings.join("; ");
            result.changed_paths = diff.changed_paths.iter().map(|c| c.path.clone()).collect();
            if let (Some(live), true) = (live, diff.modified && desired.is_some()) {
                result.blame = blame(&diff, live)
                    .into_iter()
                    .map(|b| BlameLine {
                        text: b.to_string(),
                        path: b.path,
                        desired: b.desired,
                        live: b.live,
                        manager: b.manager,
                        operation: b.operation,
                        subresource: b.subresource,
                        time: b.time,
                    })
                    .collect();
            }
            result.diff = Some(diff);
        }
        Err(error) => {
            result.status = Some(SyncStatus::Unknown);
            result.message = error.to_string();
            conditions.push(Condition::new(
                ConditionType::ComparisonError,
                error.to_string(),
            ));
        }
    }
    result
}

fn health_input(
    app: &Application,
    resource: &ResourceResult,
    input: &CompareInput<'_>,
) -> AppResourceHealth {
    let live = resource.live.as_deref();
    let mut health = AppResourceHealth::from_live(resource.key.clone(), live, input.health);
    let object = resource.desired.as_ref().or(live);
    match object.map(role) {
        Some(Role::Skip | Role::Ignored) => health.skipped = true,
        Some(Role::Hook) => health.is_hook = true,
        _ => {}
    }
    health.is_self = live.is_some_and(|l| is_the_app(app, l));
    health
}

fn is_the_app(app: &Application, live: &Value) -> bool {
    crate::model::group_of(live) == "argoproj.io"
        && kind_of(live) == "Application"
        && name_of(live) == app.metadata.name
        && app
            .metadata
            .namespace
            .as_deref()
            .is_none_or(|ns| ns == namespace_of(live))
}

/// The cluster cannot be read: every target is Unknown, and so is the app.
fn unreachable(
    input: &CompareInput<'_>,
    targets: Vec<Target>,
    mut conditions: Vec<Condition>,
    message: &str,
) -> AppComparison {
    conditions.push(Condition::new(ConditionType::ComparisonError, message));
    let resources: Vec<ResourceResult> = targets
        .into_iter()
        .map(|target| ResourceResult {
            version: version_of(&target.object).to_owned(),
            hook: role(&target.object) == Role::Hook,
            key: target.key,
            status: Some(SyncStatus::Unknown),
            requires_pruning: false,
            health: None,
            changed_paths: Vec::new(),
            blame: Vec::new(),
            message: String::new(),
            diff: None,
            desired: Some(target.object),
            live: None,
            counts_for_app: true,
        })
        .collect();
    let (pending_hooks, resources) = split_pending_hooks(resources);
    let tree = tree::build(&resources, None, input.health);
    AppComparison {
        app: input.app.metadata.name.clone(),
        sync: SyncStatus::Unknown,
        health: Health::unknown(message),
        revisions: input.revisions.clone(),
        conditions,
        resources,
        orphaned: Vec::new(),
        tree,
        namespace_live: false,
        pending_hooks,
    }
}
