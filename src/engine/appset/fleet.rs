//! The clusters the cluster generator sees: the kubeconfig's contexts and
//! the local cluster, labelled from plumb settings, then the Argo CD
//! cluster Secrets found under the root.

use std::collections::BTreeMap;

use kube::config::Kubeconfig;

use super::{ClusterInfo, IN_CLUSTER_SERVER};
use crate::config::ClusterSettings;

const IN_CLUSTER_NAME: &str = "in-cluster";

/// One kubeconfig context as the cluster generator needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeContext {
    pub name: String,
    /// The API server URL (empty when the context's cluster is missing).
    pub server: String,
    /// The current context, which plumb treats as Argo CD's `in-cluster`.
    pub current: bool,
}

impl From<&crate::cluster::ClusterInfo> for KubeContext {
    fn from(info: &crate::cluster::ClusterInfo) -> Self {
        Self {
            name: info.name.clone(),
            server: info.server.clone(),
            current: info.is_current,
        }
    }
}

/// Each context of a kubeconfig, in file order, read without connecting.
pub fn kubeconfig_contexts(kubeconfig: &Kubeconfig) -> Vec<KubeContext> {
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
            KubeContext {
                current: kubeconfig.current_context.as_deref() == Some(named.name.as_str()),
                name: named.name.clone(),
                server,
            }
        })
        .collect()
}

/// One cluster per context, with the labels and annotations `settings`
/// give its name. The current context stands for `in-cluster` (it is
/// listed once, under its own name). Without a current context (no
/// kubeconfig: the sandbox) `in-cluster` is listed only when the settings
/// describe it; otherwise the generator adds it as Argo CD does. A context
/// whose server is `https://kubernetes.default.svc` (the sandbox alone)
/// is that same local cluster. The second value warns about settings
/// naming no known cluster.
pub fn known_clusters(
    contexts: &[KubeContext],
    settings: &BTreeMap<String, ClusterSettings>,
) -> (Vec<ClusterInfo>, Vec<String>) {
    let labelled = |name: &str, server: &str, local: bool| {
        let described = settings.get(name).cloned().unwrap_or_default();
        ClusterInfo {
            name: name.to_owned(),
            server: server.to_owned(),
            labels: described.labels,
            annotations: described.annotations,
            project: None,
            local,
        }
    };
    let mut clusters: Vec<ClusterInfo> = contexts
        .iter()
        .filter(|c| !c.server.is_empty() && c.server != IN_CLUSTER_SERVER)
        .filter(|c| c.name != IN_CLUSTER_NAME)
        .map(|c| labelled(&c.name, &c.server, c.current))
        .collect();
    if !clusters.iter().any(|c| c.local) && settings.contains_key(IN_CLUSTER_NAME) {
        clusters.push(labelled(IN_CLUSTER_NAME, IN_CLUSTER_SERVER, true));
    }
    let warnings = settings
        .keys()
        .filter(|name| !clusters.iter().any(|c| &c.name == *name))
        .map(|name| {
            format!(
                "[clusters.{name}] names no kubeconfig context (in-cluster is the current context when there is a kubeconfig); ignored"
            )
        })
        .collect();
    (clusters, warnings)
}

/// `known` with the clusters Argo CD cluster Secrets declare: a Secret
/// replaces a known cluster with the same server (which stays the local
/// one if it was), as Argo CD reads each cluster from its Secret, and adds
/// the others.
pub fn with_cluster_secrets(known: &[ClusterInfo], secrets: &[ClusterInfo]) -> Vec<ClusterInfo> {
    let mut clusters = known.to_vec();
    for secret in secrets {
        let mut declared = secret.clone();
        clusters.retain(|c| {
            let replaced = same_server(&c.server, &secret.server);
            declared.local |= replaced && c.local;
            !replaced
        });
        clusters.push(declared);
    }
    clusters
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn context(name: &str, server: &str, current: bool) -> KubeContext {
        KubeContext {
            name: name.into(),
            server: server.into(),
            current,
        }
    }

    fn named(name: &str, labels: &[(&str, &str)]) -> (String, ClusterSettings) {
        (
            name.to_owned(),
            ClusterSettings {
                labels: labels_of(labels),
                annotations: BTreeMap::new(),
            },
        )
    }

    #[test]
    fn settings_label_contexts_and_the_current_one_is_local() {
        let contexts = [
            context("prod", "https://prod:6443", true),
            context("dev", "https://dev:6443", false),
        ];
        let settings = BTreeMap::from([
            named("prod", &[("env", "production")]),
            named("in-cluster", &[("env", "local")]),
            named("typo", &[]),
        ]);
        let (clusters, warnings) = known_clusters(&contexts, &settings);
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "dev"]);
        assert_eq!(clusters[0].labels, labels_of(&[("env", "production")]));
        assert!(clusters[0].local && !clusters[1].local);
        assert!(clusters[1].labels.is_empty());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("[clusters.in-cluster]"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("[clusters.typo]"), "{warnings:?}");
    }

    #[test]
    fn without_a_kubeconfig_settings_label_in_cluster() {
        let sandbox_alone = [context("sandbox", IN_CLUSTER_SERVER, true)];
        let settings = BTreeMap::from([named("in-cluster", &[("env", "local")])]);
        let (clusters, warnings) = known_clusters(&sandbox_alone, &settings);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].name, "in-cluster");
        assert_eq!(clusters[0].server, IN_CLUSTER_SERVER);
        assert_eq!(clusters[0].labels, labels_of(&[("env", "local")]));
        let (unlabelled, _) = known_clusters(&[], &BTreeMap::new());
        assert!(
            unlabelled.is_empty(),
            "the generator adds in-cluster itself"
        );
    }

    #[test]
    fn a_secret_replaces_the_cluster_with_its_server() {
        let known = vec![
            ClusterInfo {
                name: "prod-context".into(),
                server: "https://prod:6443".into(),
                local: true,
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
            labels: labels_of(&[("env", "production")]),
            ..ClusterInfo::default()
        };
        let merged = with_cluster_secrets(&known, &[secret]);
        let names: Vec<&str> = merged.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["dev", "prod"]);
        assert_eq!(merged[1].labels, labels_of(&[("env", "production")]));
        assert!(
            merged[1].local,
            "the replaced cluster was the current context"
        );
        assert!(!merged[0].local);
    }
}
