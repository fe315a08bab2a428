//! Whether an AppProject permits a kind (§9.5): namespaced kinds against the
//! namespace lists, cluster-scoped kinds against the cluster lists (an empty
//! or absent cluster whitelist denies them all).

use globset::{Glob, GlobMatcher};

use crate::model::{AppProject, GroupKind};

/// `true` when the project allows `group`/`kind` (named `name`).
pub fn kind_permitted(
    project: &AppProject,
    group: &str,
    kind: &str,
    name: &str,
    namespaced: bool,
) -> bool {
    let spec = &project.spec;
    let (whitelist, blacklist) = if namespaced {
        (
            spec.namespace_resource_whitelist.as_deref(),
            &spec.namespace_resource_blacklist,
        )
    } else {
        (
            Some(spec.cluster_resource_whitelist.as_deref().unwrap_or(&[])),
            &spec.cluster_resource_blacklist,
        )
    };
    let allowed = whitelist.is_none_or(|list| list.iter().any(|gk| matches(gk, group, kind, name)));
    allowed && !blacklist.iter().any(|gk| matches(gk, group, kind, name))
}

pub(super) fn matches(pattern: &GroupKind, group: &str, kind: &str, name: &str) -> bool {
    glob_matches(&pattern.group, group)
        && glob_matches(&pattern.kind, kind)
        && pattern
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .is_none_or(|n| glob_matches(n, name))
}

fn glob_matches(pattern: &str, text: &str) -> bool {
    if pattern == "*" || pattern == text {
        return true;
    }
    // An invalid glob matches only itself, compared literally above.
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .as_ref()
        .is_ok_and(|m: &GlobMatcher| m.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gk(group: &str, kind: &str) -> GroupKind {
        GroupKind {
            group: group.into(),
            kind: kind.into(),
            name: None,
        }
    }

    #[test]
    fn whitelists_and_blacklists() {
        let mut project = AppProject::default_project();
        assert!(kind_permitted(
            &project,
            "rbac.authorization.k8s.io",
            "ClusterRole",
            "r",
            false
        ));
        assert!(kind_permitted(&project, "apps", "Deployment", "d", true));
        project.spec.cluster_resource_whitelist = None;
        assert!(!kind_permitted(&project, "", "Namespace", "n", false));
        project.spec.namespace_resource_blacklist = vec![gk("", "Secret")];
        assert!(!kind_permitted(&project, "", "Secret", "s", true));
        project.spec.namespace_resource_whitelist = Some(vec![]);
        assert!(!kind_permitted(&project, "apps", "Deployment", "d", true));
        project.spec.namespace_resource_whitelist = Some(vec![gk("apps", "*")]);
        assert!(kind_permitted(&project, "apps", "Deployment", "d", true));
    }
}
