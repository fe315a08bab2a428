//! Where a generated Application came from, and the ApplicationSet policy
//! that governs what the reconcile loop may do to it later.

use serde::Serialize;
use serde_json::Value;

use crate::model::ApplicationSet;

/// The generating ApplicationSet of an Application, its generator and the
/// parameter set it was rendered from, plus the ApplicationSet's
/// `syncPolicy`, kept as data for the reconcile loop:
///
/// - `applications_sync` says which changes the loop may carry to an
///   Application it already manages (see [`ApplicationsSync`]);
/// - `preserve_resources_on_deletion` says that when the Application stops
///   being generated (or is deleted), its resources stay in the cluster
///   rather than being pruned with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSetOrigin {
    pub appset: String,
    /// e.g. `list`, `matrix(git,list)`.
    pub generator: String,
    /// The parameter set the Application was rendered from.
    pub params: Value,
    pub applications_sync: ApplicationsSync,
    pub preserve_resources_on_deletion: bool,
}

impl AppSetOrigin {
    /// The origin of an Application that `appset`'s `generator` rendered
    /// from `params`. An unknown `applicationsSync` counts as the default
    /// (`sync`); [`ApplicationsSync::parse`] tells the caller it was unknown.
    pub fn new(appset: &ApplicationSet, generator: &str, params: Value) -> Self {
        let policy = appset.spec.sync_policy.as_ref();
        Self {
            appset: appset.metadata.name.clone(),
            generator: generator.to_owned(),
            params,
            applications_sync: policy
                .and_then(|p| p.applications_sync.as_deref())
                .and_then(ApplicationsSync::parse)
                .unwrap_or_default(),
            preserve_resources_on_deletion: policy
                .is_some_and(|p| p.preserve_resources_on_deletion),
        }
    }

    /// The parameters as `key=value` pairs, nested values as JSON.
    pub fn describe_params(&self) -> String {
        match &self.params {
            Value::Object(map) => map
                .iter()
                .map(|(key, value)| match value {
                    Value::String(text) => format!("{key}={text}"),
                    other => format!("{key}={other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    }
}

/// `spec.syncPolicy.applicationsSync`: which changes the ApplicationSet
/// carries to its generated Applications once they exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationsSync {
    /// Create new Applications; never update or delete existing ones.
    CreateOnly,
    /// Create and update; never delete.
    CreateUpdate,
    /// Create and delete; never update.
    CreateDelete,
    /// Create, update and delete (Argo CD's default).
    #[default]
    Sync,
}

impl ApplicationsSync {
    /// The policy named by the field's value, None for an unknown one.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "create-only" => Some(Self::CreateOnly),
            "create-update" => Some(Self::CreateUpdate),
            "create-delete" => Some(Self::CreateDelete),
            "sync" => Some(Self::Sync),
            _ => None,
        }
    }

    /// The field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateOnly => "create-only",
            Self::CreateUpdate => "create-update",
            Self::CreateDelete => "create-delete",
            Self::Sync => "sync",
        }
    }

    /// May a changed template or parameter set update an existing Application?
    pub fn allows_update(self) -> bool {
        matches!(self, Self::CreateUpdate | Self::Sync)
    }

    /// May an Application that is no longer generated be deleted?
    pub fn allows_delete(self) -> bool {
        matches!(self, Self::CreateDelete | Self::Sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_allow_what_their_names_say() {
        let create_only = ApplicationsSync::parse("create-only").expect("known");
        assert!(!create_only.allows_update() && !create_only.allows_delete());
        let create_update = ApplicationsSync::parse("create-update").expect("known");
        assert!(create_update.allows_update() && !create_update.allows_delete());
        let create_delete = ApplicationsSync::parse("create-delete").expect("known");
        assert!(!create_delete.allows_update() && create_delete.allows_delete());
        assert!(ApplicationsSync::default().allows_update());
        assert!(ApplicationsSync::default().allows_delete());
        assert_eq!(ApplicationsSync::parse("create-everything"), None);
    }
}
