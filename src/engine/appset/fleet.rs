//! The clusters the cluster generator sees: the kubeconfig's contexts and
//! the local cluster, labelled from plumb settings, then the Argo CD
//! cluster Secrets found under the root.

use std::collections::BTreeMap;

use kube::config::Kubeconfig;

use super::{ClusterInfo, IN_CLUSTER_SERVER};
use crate::config::ClusterSettings;

const IN_CLUSTER_NAME: &str = "in-cluster";

/// `(context name, server URL)` for each context of a kubeconfig, in file
/// order; a context whose cluster entry is missing has an empty server.
pub fn kubeconfig_contexts(kubeconfig: &Kubeconfig) -> Vec<(String, String)> {
    kubeconfig
        .contexts
        .iter()
        .map(|named| {
            let server = named
                .context
                .as_ref()
                .and_then(|c| kubeconfig.clusters.iter().find(|n| n.name == c.cluster))
                .and_then(|n| n.cluster.as_ref())
                .and_then(|c| c.server.clone())
                .unwrap_or_default();
            (named.name.clone(), server)
        })
        .collect()
}

/// One cluster per context, with the labels and annotations `settings`
/// give its name. The local cluster (`in-cluster`) is listed only when the
/// settings describe it; otherwise the generator adds it as Argo CD does.
/// The second value warns about settings naming no known cluster.
pub fn known_clusters(
    contexts: &[(String, String)],
    settings: &BTreeMap<String, ClusterSettings>,
) -> (Vec<ClusterInfo>, Vec<String>) {
    let labelled = |name: &str, server: &str| {
        let described = settings.get(name).cloned().unwrap_or_default();
        ClusterInfo {
            name: name.to_owned(),
            server: server.to_owned(),
            labels: described.labels,
            annotations: described.annotations,
            project: None,
        }
    };
    let mut clusters: Vec<ClusterInfo> = contexts
        .iter()
        .filter(|(name, server)| !server.is_empty() && name != IN_CLUSTER_NAME)
        .map(|(name, server)| labelled(name, server))
        .collect();
    if settings.contains_key(IN_CLUSTER_NAME) {
        clusters.push(labelled(IN_CLUSTER_NAME, IN_CLUSTER_SERVER));
    }
    let warnings = settings
        .keys()
        .filter(|name| !clusters.iter().any(|c| &c.name == *name))
        .map(|name| {
            format!("[clusters.{name}] names no kubeconfig context (nor in-cluster); ignored")
        })
        .collect();
    (clusters, warnings)
}

/// `known` with the clusters Argo CD cluster Secrets declare: a Secret
/// replaces a known cluster with the same server, as Argo CD reads each
/// cluster from its Secret, and adds the others.
pub fn with_cluster_secrets(known: &[ClusterInfo], secrets: &[ClusterInfo]) -> Vec<ClusterInfo> {
    let mut clusters = known.to_vec();
    for secret in secrets {
        clusters.retain(|c| !same_server(&c.server, &secret.server));
        clusters.push(secret.clone());
    }
    clusters
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn settings_label_contexts_and_in_cluster() {
        let contexts = vec![
            ("prod".to_owned(), "https://prod:6443".to_owned()),
            ("dev".to_owned(), "https://dev:6443".to_owned()),
        ];
        let mut settings = BTreeMap::new();
        settings.insert(
            "prod".to_owned(),
            ClusterSettings {
                labels: labels(&[("env", "production")]),
                annotations: labels(&[("team", "sre")]),
            },
        );
        settings.insert("in-cluster".to_owned(), ClusterSettings::default());
        settings.insert("typo".to_owned(), ClusterSettings::default());
        let (clusters, warnings) = known_clusters(&contexts, &settings);
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "dev", "in-cluster"]);
        assert_eq!(clusters[0].labels, labels(&[("env", "production")]));
        assert_eq!(clusters[0].annotations, labels(&[("team", "sre")]));
        assert!(clusters[1].labels.is_empty());
        assert_eq!(clusters[2].server, IN_CLUSTER_SERVER);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("typo"), "{warnings:?}");
    }

    #[test]
    fn a_secret_replaces_the_cluster_with_its_server() {
        let known = vec![
            ClusterInfo {
                name: "prod-context".into(),
                server: "https://prod:6443".into(),
                ..ClusterInfo::default()
            },
            ClusterInfo {
                name: "dev".into(),
                server: "https://dev:6443".into(),
                ..ClusterInfo::default()
            },
        ];
        let secret = ClusterInfo {
            name: "prod".into(),
            server: "https://prod:6443/".into(),
            labels: labels(&[("env", "production")]),
            ..ClusterInfo::default()
        };
        let merged = with_cluster_secrets(&known, &[secret]);
        let names: Vec<&str> = merged.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["dev", "prod"]);
        assert_eq!(merged[1].labels, labels(&[("env", "production")]));
    }
}
