//! The Argo CD `AppProject`: what its applications may use and touch.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Destination, ObjectMeta};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProject {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: AppProjectSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_repos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Destination>,
    /// Unset or empty denies every cluster-scoped kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_resource_whitelist: Option<Vec<GroupKind>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_resource_blacklist: Vec<GroupKind>,
    /// Unset allows every namespaced kind; set but empty allows none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_resource_whitelist: Option<Vec<GroupKind>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_resource_blacklist: Vec<GroupKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ProjectRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_windows: Vec<SyncWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orphaned_resources: Option<OrphanedResources>,
    #[serde(default)]
    pub permit_only_project_scoped_clusters: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signature_keys: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_service_accounts: Vec<Value>,
}

impl AppProject {
    /// The project Argo CD creates when none named `default` is defined.
    pub fn default_project() -> Self {
        Self {
            api_version: "argoproj.io/v1alpha1".into(),
            kind: "AppProject".into(),
            metadata: ObjectMeta {
                name: "default".into(),
                ..Default::default()
            },
            spec: AppProjectSpec {
                source_repos: vec!["*".into()],
                destinations: vec![Destination {
                    server: Some("*".into()),
                    name: None,
                    namespace: Some("*".into()),
                }],
                cluster_resource_whitelist: Some(vec![GroupKind {
                    group: "*".into(),
                    kind: "*".into(),
                    name: None,
                }]),
                ..Default::default()
            },
            status: None,
        }
    }
}

/// A group/kind pattern (globs), with an optional name glob for cluster-scoped kinds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRole {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwt_tokens: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncWindow {
    /// `allow` or `deny`.
    #[serde(default)]
    pub kind: String,
    /// 5-field cron.
    #[serde(default)]
    pub schedule: String,
    /// Go duration, e.g. `1h30m`.
    #[serde(default)]
    pub duration: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    #[serde(default)]
    pub manual_sync: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub and_operator: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub sync_overrun: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrphanedResources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<GroupKind>,
}
