//! Which kinds a cluster serves: (group, kind) → version, plural, scope and
//! verbs, from the server's discovery documents.

use std::collections::HashMap;

use kube::core::ApiResource;
use kube::discovery::{Discovery, Scope};

/// One served kind, at its most stable version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResourceInfo {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    /// The verbs discovery lists (`get`, `list`, `watch`, `patch`, ...).
    pub verbs: Vec<String>,
}

impl ApiResourceInfo {
    /// `group/version`, or just `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kube-rs handle for dynamic requests on this kind.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
}

/// Every kind a cluster serves, keyed by (group, kind).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiResources {
    by_kind: HashMap<(String, String), ApiResourceInfo>,
}

impl ApiResources {
    pub fn new(resources: impl IntoIterator<Item = ApiResourceInfo>) -> Self {
        Self {
            by_kind: resources
                .into_iter()
                .map(|r| ((r.group.clone(), r.kind.clone()), r))
                .collect(),
        }
    }

    pub fn lookup(&self, group: &str, kind: &str) -> Option<&ApiResourceInfo> {
        self.by_kind.get(&(group.to_owned(), kind.to_owned()))
    }

    /// Whether the kind lives in namespaces; `None` for an unknown kind.
    pub fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        self.lookup(group, kind).map(|r| r.namespaced)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ApiResourceInfo> {
        self.by_kind.values()
    }

    pub fn len(&self) -> usize {
        self.by_kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }
}

/// Runs discovery against the server: every group, each kind at its most
/// stable version, subresources left out.
pub(crate) async fn discover(client: kube::Client) -> Result<ApiResources, kube::Error> {
    let discovery = Discovery::new(client).run().await?;
    let resources = discovery.groups().flat_map(|group| {
        group
            .resources_by_stability()
            .into_iter()
            .map(|(resource, caps)| ApiResourceInfo {
                group: resource.group,
                version: resource.version,
                kind: resource.kind,
                plural: resource.plural,
                namespaced: caps.scope == Scope::Namespaced,
                verbs: caps.operations,
            })
    });
    Ok(ApiResources::new(resources))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_group_and_kind() {
        let deployments = ApiResourceInfo {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
            verbs: vec!["list".into(), "watch".into()],
        };
        let resources = ApiResources::new([deployments.clone()]);
        assert_eq!(resources.lookup("apps", "Deployment"), Some(&deployments));
        assert_eq!(resources.is_namespaced("apps", "Deployment"), Some(true));
        assert_eq!(resources.is_namespaced("", "Deployment"), None);
        assert_eq!(deployments.api_resource().api_version, "apps/v1");
        assert!(deployments.supports("watch") && !deployments.supports("delete"));
    }
}
