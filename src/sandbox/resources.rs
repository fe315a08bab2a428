//! The resource table: every kind the sandbox serves, with the names, scope,
//! verbs and subresources a real kube-apiserver 1.32 advertises for it.

/// The verbs of an ordinary stored resource, in discovery order.
pub const STANDARD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One served resource in one group/version.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The URL segment, e.g. `deployments`.
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub status: bool,
    pub scale: Option<ScalePaths>,
    /// Namespaces have an extra `finalize` subresource.
    pub finalize: bool,
}

/// Where a scale subresource reads and writes replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

impl ScalePaths {
    fn workload() -> Self {
        Self {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: Some(".spec.selector".into()),
        }
    }
}

impl Resource {
    /// `group/version`, or `version` alone for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name used in messages: `deployments.apps`, `configmaps`.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The kind used in Invalid messages: `Deployment.apps`, `ConfigMap`.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// group, version, kind, plural, namespaced, short names, categories,
/// status subresource, scale subresource.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
    bool,
    bool,
);

const ALL: &[&str] = &["all"];
const NS: bool = true;
const CLUSTER: bool = false;

#[rustfmt::skip]
const BUILT_IN: &[Row] = &[
    ("", "v1", "ConfigMap", "configmaps", NS, &["cm"], &[], false, false),
    ("", "v1", "Endpoints", "endpoints", NS, &["ep"], &[], false, false),
    ("", "v1", "Event", "events", NS, &["ev"], &[], false, false),
    ("", "v1", "Namespace", "namespaces", CLUSTER, &["ns"], &[], true, false),
    ("", "v1", "PersistentVolume", "persistentvolumes", CLUSTER, &["pv"], &[], true, false),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", NS, &["pvc"], &[], true, false),
    ("", "v1", "Pod", "pods", NS, &["po"], ALL, true, false),
    ("", "v1", "Secret", "secrets", NS, &[], &[], false, false),
    ("", "v1", "ServiceAccount", "serviceaccounts", NS, &["sa"], &[], false, false),
    ("", "v1", "Service", "services", NS, &["svc"], ALL, true, false),
    ("apps", "v1", "DaemonSet", "daemonsets", NS, &["ds"], ALL, true, false),
    ("apps", "v1", "Deployment", "deployments", NS, &["deploy"], ALL, true, true),
    ("apps", "v1", "ReplicaSet", "replicasets", NS, &["rs"], ALL, true, true),
    ("apps", "v1", "StatefulSet", "statefulsets", NS, &["sts"], ALL, true, true),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", NS, &["hpa"], ALL, true, false),
    ("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", NS, &["hpa"], ALL, true, false),
    ("batch", "v1", "CronJob", "cronjobs", NS, &["cj"], ALL, true, false),
    ("batch", "v1", "Job", "jobs", NS, &[], ALL, true, false),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", NS, &["ing"], &[], true, false),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", NS, &["netpol"], &[], false, false),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", NS, &["pdb"], &[], true, false),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", CLUSTER, &[], &[], false, false),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", CLUSTER, &[], &[], false, false),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", NS, &[], &[], false, false),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", NS, &[], &[], false, false),
    ("coordination.k8s.io", "v1", "Lease", "leases", NS, &[], &[], false, false),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", CLUSTER, &["crd", "crds"], &["api-extensions"], true, false),
];

/// The groups in the order the real server lists them, each with its
/// versions, preferred first.
pub const BUILT_IN_GROUPS: &[(&str, &[&str])] = &[
    ("apps", &["v1"]),
    ("autoscaling", &["v2", "v1"]),
    ("batch", &["v1"]),
    ("networking.k8s.io", &["v1"]),
    ("policy", &["v1"]),
    ("rbac.authorization.k8s.io", &["v1"]),
    ("apiextensions.k8s.io", &["v1"]),
    ("coordination.k8s.io", &["v1"]),
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Every built-in resource the sandbox serves.
pub fn built_in() -> Vec<Resource> {
    BUILT_IN
        .iter()
        .map(
            |&(
                group,
                version,
                kind,
                plural,
                namespaced,
                short_names,
                categories,
                status,
                scale,
            )| {
                let verbs: Vec<&str> = if kind == "Namespace" {
                    STANDARD_VERBS
                        .iter()
                        .copied()
                        .filter(|v| *v != "deletecollection")
                        .collect()
                } else {
                    STANDARD_VERBS.to_vec()
                };
                Resource {
                    group: group.into(),
                    version: version.into(),
                    kind: kind.into(),
                    plural: plural.into(),
                    singular: kind.to_lowercase(),
                    namespaced,
                    verbs: strings(&verbs),
                    short_names: strings(short_names),
                    categories: strings(categories),
                    status,
                    scale: scale.then(ScalePaths::workload),
                    finalize: kind == "Namespace",
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployments_have_scale_and_the_all_category() {
        let table = built_in();
        let deploy = table
            .iter()
            .find(|r| r.plural == "deployments")
            .expect("deployments served");
        assert_eq!(deploy.api_version(), "apps/v1");
        assert_eq!(deploy.qualified_kind(), "Deployment.apps");
        assert!(deploy.scale.is_some());
        assert_eq!(deploy.categories, vec!["all"]);
        let ns = table.iter().find(|r| r.kind == "Namespace").expect("ns");
        assert!(!ns.verbs.contains(&"deletecollection".to_string()));
        assert!(!ns.namespaced);
    }
}
