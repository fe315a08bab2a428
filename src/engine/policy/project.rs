//! AppProject checks (§9.5): source repositories, destinations, and which
//! kinds an app may manage, with Argo CD's exact messages.

use globset::GlobBuilder;

use crate::model::{
    AppProject, Application, ApplicationSource, Destination, GroupKind, ResourceKey,
};

/// A glob match; `path_like` makes `*` stop at `/`. A lone `*` always matches.
fn glob(pattern: &str, value: &str, path_like: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    GlobBuilder::new(pattern)
        .literal_separator(path_like)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(value))
}

fn is_deny(pattern: &str) -> bool {
    pattern.starts_with('!')
}

/// Argo CD's negatable glob: `!p` matches what `p` does not.
fn negatable(pattern: &str, value: &str, path_like: bool) -> bool {
    match pattern.strip_prefix('!') {
        Some(inner) => !glob(inner, value, path_like),
        None => glob(pattern, value, path_like),
    }
}

fn normalize_repo(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let trimmed = lower.trim_end_matches('/');
    trimmed.strip_suffix(".git").unwrap_or(trimmed).to_owned()
}

fn project_name(project: &AppProject) -> &str {
    &project.metadata.name
}

/// Whether `repo_url` is an allowed source: some rule matches and no deny rule rejects it.
pub fn source_permitted(project: &AppProject, repo_url: &str) -> bool {
    let url = normalize_repo(repo_url);
    let mut any = false;
    for rule in &project.spec.source_repos {
        let pattern = match rule.strip_prefix('!') {
            Some(inner) => format!("!{}", normalize_repo(inner)),
            None => normalize_repo(rule),
        };
        if negatable(&pattern, &url, true) {
            any = true;
        } else if is_deny(&pattern) {
            return false;
        }
    }
    any
}

pub fn check_source(project: &AppProject, repo_url: &str) -> Result<(), String> {
    if source_permitted(project, repo_url) {
        Ok(())
    } else {
        Err(format!(
            "application repo {repo_url} is not permitted in project '{}'",
            project_name(project)
        ))
    }
}

/// Whether a destination is allowed: (server or name) and namespace match a
/// rule, and no deny rule rejects it.
pub fn destination_permitted(project: &AppProject, dest: &Destination) -> bool {
    let server = dest.server.as_deref().unwrap_or("");
    let name = dest.name.as_deref().unwrap_or("");
    let namespace = dest.namespace.as_deref().unwrap_or("");
    let mut any = false;
    for rule in &project.spec.destinations {
        let rule_server = rule.server.as_deref().unwrap_or("");
        let rule_name = rule.name.as_deref().unwrap_or("");
        let rule_namespace = rule.namespace.as_deref().unwrap_or("");
        let name_ok = !name.is_empty() && negatable(rule_name, name, false);
        let server_ok = !server.is_empty() && negatable(rule_server, server, false);
        let namespace_ok = negatable(rule_namespace, namespace, false);
        if (server_ok || name_ok) && namespace_ok {
            any = true;
        } else if (!name_ok && is_deny(rule_name))
            || (!server_ok && is_deny(rule_server))
            || (!namespace_ok && is_deny(rule_namespace))
        {
            return false;
        }
    }
    any
}

pub fn check_destination(project: &AppProject, dest: &Destination) -> Result<(), String> {
    if destination_permitted(project, dest) {
        Ok(())
    } else {
        Err(format!(
            "application destination server '{}' and namespace '{}' do not match any of the allowed destinations in project '{}'",
            dest.server.as_deref().unwrap_or(""),
            dest.namespace.as_deref().unwrap_or(""),
            project_name(project)
        ))
    }
}

fn in_list(list: &[GroupKind], group: &str, kind: &str, name: &str) -> bool {
    list.iter().any(|rule| {
        glob(&rule.kind, kind, true)
            && glob(&rule.group, group, true)
            && rule.name.as_deref().is_none_or(|n| glob(n, name, true))
    })
}

/// Whether a kind may be managed. Namespaced: an unset whitelist allows all,
/// an empty one allows none. Cluster-scoped: an unset or empty whitelist
/// allows none. A blacklist match always denies.
pub fn kind_permitted(
    project: &AppProject,
    group: &str,
    kind: &str,
    name: &str,
    namespaced: bool,
) -> bool {
    let spec = &project.spec;
    if namespaced {
        let white = match &spec.namespace_resource_whitelist {
            None => true,
            Some(list) => in_list(list, group, kind, name),
        };
        white && !in_list(&spec.namespace_resource_blacklist, group, kind, name)
    } else {
        let white = spec
            .cluster_resource_whitelist
            .as_ref()
            .is_some_and(|list| in_list(list, group, kind, name));
        white && !in_list(&spec.cluster_resource_blacklist, group, kind, name)
    }
}

/// The project check for one resource of a sync: its kind, and for
/// namespaced kinds its namespace as a destination on the app's cluster.
pub fn check_resource(
    project: &AppProject,
    key: &ResourceKey,
    namespaced: bool,
    app_destination: &Destination,
) -> Result<(), String> {
    if !kind_permitted(project, &key.group, &key.kind, &key.name, namespaced) {
        return Err(format!(
            "resource {}:{} is not permitted in project {}",
            key.group,
            key.kind,
            project_name(project)
        ));
    }
    if namespaced && !key.namespace.is_empty() {
        let dest = Destination {
            namespace: Some(key.namespace.clone()),
            ..app_destination.clone()
        };
        if !destination_permitted(project, &dest) {
            return Err(format!(
                "namespace {} is not permitted in project '{}'",
                key.namespace,
                project_name(project)
            ));
        }
    }
    Ok(())
}

/// Argo CD's `InvalidSpecError` messages for `app` in `project`: sources
/// whose repository and a destination the project does not permit.
pub fn spec_violations(
    app: &Application,
    project: &AppProject,
    sources: &[ApplicationSource],
) -> Vec<String> {
    let mut violations: Vec<String> = sources
        .iter()
        .filter_map(|source| check_source(project, &source.repo_url).err())
        .collect();
    // An app without server or name has no cluster: resolving the
    // destination reports that, naming the clusters it knows.
    let destination = app.spec.destination.clone().unwrap_or_default();
    let named = [&destination.server, &destination.name]
        .into_iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()));
    if named {
        violations.extend(check_destination(project, &destination).err());
    }
    violations
}
