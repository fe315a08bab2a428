//! Shared fixtures for the ApplicationSet tests: seed ApplicationSets, the
//! fixture clusters (from Argo CD cluster Secrets) and fixture checkouts.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};

use plumb::engine::appset::{
    ClusterInfo, Expansion, GeneratorContext, expand, parse_cluster_secret,
};
use plumb::model::{ApplicationSet, Manifest, parse_documents};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn manifests(path: &Path) -> Vec<Manifest> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (manifests, _) = parse_documents(&path.display().to_string(), &text);
    manifests.into_iter().map(|(m, _)| m).collect()
}

pub fn appsets_in(path: &Path) -> Vec<ApplicationSet> {
    manifests(path)
        .into_iter()
        .filter_map(|m| match m {
            Manifest::ApplicationSet(appset) => Some(appset),
            _ => None,
        })
        .collect()
}

pub fn appset_from_yaml(yaml: &str) -> ApplicationSet {
    let (manifests, diagnostics) = parse_documents("inline.yaml", yaml);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    match manifests.into_iter().next() {
        Some((Manifest::ApplicationSet(appset), _)) => appset,
        other => panic!("not an ApplicationSet: {other:?}"),
    }
}

/// The clusters declared by the cluster Secrets in `appset/clusters.yaml`.
pub fn clusters() -> Vec<ClusterInfo> {
    manifests(&fixture("appset/clusters.yaml"))
        .into_iter()
        .filter_map(|m| match m {
            Manifest::Other(object) => parse_cluster_secret(&object),
            _ => None,
        })
        .collect()
}

/// Fixture checkouts by repository URL (the revision must be one the seeds use).
pub fn repo_dir(url: &str, revision: &str) -> Result<PathBuf, String> {
    let name = match url.trim_end_matches(".git") {
        "https://github.com/myorg/k8s-manifests" => "myorg-k8s-manifests",
        "https://github.com/myorg/app-config" => "myorg-app-config",
        "https://github.com/myorg/gitops-config" => "myorg-gitops-config",
        "https://github.com/org/gitops-config" => "org-gitops-config",
        "https://example.com/t25" => "t25",
        "https://example.com/teams" => "teams",
        other => return Err(format!("no fixture for {other}")),
    };
    if !matches!(revision, "main" | "HEAD") {
        return Err(format!("no revision {revision} in the fixture {name}"));
    }
    Ok(fixture("appset/repos").join(name))
}

pub fn expand_with(appset: &ApplicationSet, clusters: &[ClusterInfo]) -> Expansion {
    let ctx = GeneratorContext {
        clusters,
        repo_dir: &repo_dir,
    };
    expand(appset, &ctx)
}

pub fn names(expansion: &Expansion) -> Vec<&str> {
    expansion
        .apps
        .iter()
        .map(|g| g.app.metadata.name.as_str())
        .collect()
}

/// All condition messages, for error assertions.
pub fn messages(expansion: &Expansion) -> String {
    expansion
        .conditions
        .iter()
        .map(|c| format!("{} {} {}: {}", c.type_, c.status, c.reason, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}
