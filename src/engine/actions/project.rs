//! The AppProject gate of a sync (§9.5): the app's sources and destination,
//! then every resource's kind and namespace, each refusal naming the rule.

use super::SyncRefused;
use crate::engine::compare::AppComparison;
use crate::engine::policy::{check_resource, kind_permitted, spec_violations};
use crate::engine::runtime::sync_resources;
use crate::engine::sync::Resource;
use crate::model::{AppProject, Application, ApplicationSource, GroupKind, ResourceKey};

/// The resources of a sync from `comparison`, each with the project's
/// verdict in [`Resource::permitted`] (the message names the rule).
pub fn permitted_resources(
    app: &Application,
    project: &AppProject,
    comparison: &AppComparison,
) -> Vec<Resource> {
    let destination = app.spec.destination.clone().unwrap_or_default();
    sync_resources(comparison)
        .into_iter()
        .map(|mut resource| {
            let namespaced = !resource.key.namespace.is_empty();
            resource.permitted = check_resource(project, &resource.key, namespaced, &destination)
                .map_err(|message| with_rule(project, &resource.key, namespaced, message));
            resource
        })
        .collect()
}

/// Refuses the sync when a source, the destination or any of `resources`
/// (those the sync will touch) is not permitted.
pub(super) fn check_project(
    app: &Application,
    project: &AppProject,
    sources: &[ApplicationSource],
    resources: &[&Resource],
) -> Result<(), SyncRefused> {
    let name = &app.metadata.name;
    if let Some(message) = spec_violations(app, project, sources).into_iter().next() {
        return Err(SyncRefused::NotPermitted {
            app: name.clone(),
            message,
        });
    }
    for resource in resources {
        if let Err(message) = &resource.permitted {
            return Err(SyncRefused::ResourceNotPermitted {
                app: name.clone(),
                resource: resource.key.to_string(),
                message: message.clone(),
            });
        }
    }
    Ok(())
}

/// `message` followed by the list (and entry) of the project that denies
/// the kind; namespace refusals already name their rule.
fn with_rule(project: &AppProject, key: &ResourceKey, namespaced: bool, message: String) -> String {
    match denying_rule(project, key, namespaced) {
        Some(rule) => format!("{message} ({rule})"),
        None => message,
    }
}

fn denying_rule(project: &AppProject, key: &ResourceKey, namespaced: bool) -> Option<String> {
    let spec = &project.spec;
    let (white_name, white, black_name, black) = if namespaced {
        (
            "namespaceResourceWhitelist",
            spec.namespace_resource_whitelist.as_ref(),
            "namespaceResourceBlacklist",
            &spec.namespace_resource_blacklist,
        )
    } else {
        (
            "clusterResourceWhitelist",
            spec.cluster_resource_whitelist.as_ref(),
            "clusterResourceBlacklist",
            &spec.cluster_resource_blacklist,
        )
    };
    if let Some(entry) = black.iter().find(|entry| {
        let probe = lists_only(project, namespaced, None, vec![(*entry).clone()]);
        denies(&probe, key, namespaced)
    }) {
        return Some(format!("{black_name} entry {}", describe(entry)));
    }
    let listed = match white {
        None => namespaced,
        Some(list) => {
            let probe = lists_only(project, namespaced, Some(list.clone()), Vec::new());
            !denies(&probe, key, namespaced)
        }
    };
    if listed {
        return None;
    }
    Some(match white {
        None if !namespaced => format!("the project has no {white_name}"),
        Some(list) if list.is_empty() => format!("{white_name} is empty"),
        _ => format!("not in {white_name}"),
    })
}

/// A copy of `project` whose resource lists for this scope are exactly
/// `white` and `black`; an absent cluster whitelist becomes allow-all so the
/// blacklist alone decides.
fn lists_only(
    project: &AppProject,
    namespaced: bool,
    white: Option<Vec<GroupKind>>,
    black: Vec<GroupKind>,
) -> AppProject {
    let mut probe = project.clone();
    let everything = || {
        Some(vec![GroupKind {
            group: "*".into(),
            kind: "*".into(),
            name: None,
        }])
    };
    if namespaced {
        probe.spec.namespace_resource_whitelist = white;
        probe.spec.namespace_resource_blacklist = black;
    } else {
        probe.spec.cluster_resource_whitelist = white.or_else(everything);
        probe.spec.cluster_resource_blacklist = black;
    }
    probe
}

fn denies(project: &AppProject, key: &ResourceKey, namespaced: bool) -> bool {
    !kind_permitted(project, &key.group, &key.kind, &key.name, namespaced)
}

fn describe(entry: &GroupKind) -> String {
    let group = if entry.group.is_empty() {
        "''"
    } else {
        &entry.group
    };
    match &entry.name {
        Some(name) => format!("{{group: {group}, kind: {}, name: {name}}}", entry.kind),
        None => format!("{{group: {group}, kind: {}}}", entry.kind),
    }
}
