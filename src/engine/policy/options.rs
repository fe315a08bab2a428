//! Sync options (§3): the app-level list in `spec.syncPolicy.syncOptions` and
//! the per-resource `argocd.argoproj.io/sync-options` annotation.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::annotation;

/// The per-resource annotation holding comma-separated sync options.
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";

/// Deletion propagation for prunes and hook deletions (`PrunePropagationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Propagation {
    #[default]
    Foreground,
    Background,
    Orphan,
}

impl Propagation {
    /// The value the Kubernetes API expects in `DeleteOptions.propagationPolicy`.
    pub fn as_api_str(self) -> &'static str {
        match self {
            Propagation::Foreground => "Foreground",
            Propagation::Background => "Background",
            Propagation::Orphan => "Orphan",
        }
    }
}

/// App-level sync options, parsed. Argo CD tests membership with exact string
/// matches; unknown entries are kept in `raw` and otherwise ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncOptions {
    pub raw: Vec<String>,
    pub prune_disabled: bool,
    pub prune_confirm: bool,
    pub delete_disabled: bool,
    pub delete_confirm: bool,
    pub validate: bool,
    pub skip_dry_run_on_missing_resource: bool,
    pub replace: bool,
    pub server_side_apply: bool,
    pub client_side_apply_migration: bool,
    pub create_namespace: bool,
    pub prune_last: bool,
    pub apply_out_of_sync_only: bool,
    pub respect_ignore_differences: bool,
    pub fail_on_shared_resource: bool,
    pub propagation: Propagation,
}

impl SyncOptions {
    /// With `FailOnSharedResource=true`, an app that has a
    /// `SharedResourceWarning` condition fails its operation with this message.
    pub fn shared_resource_failure(&self, shared_resource_warning: Option<&str>) -> Option<String> {
        let warning = shared_resource_warning.filter(|_| self.fail_on_shared_resource)?;
        Some(format!("Shared resource found: {warning}"))
    }

    pub fn parse(app_options: &[String]) -> Self {
        let has = |option: &str| app_options.iter().any(|o| o.trim() == option);
        let propagation = match value_of(
            app_options.iter().map(String::as_str),
            "PrunePropagationPolicy",
        ) {
            Some("background") => Propagation::Background,
            Some("orphan") => Propagation::Orphan,
            _ => Propagation::Foreground,
        };
        SyncOptions {
            raw: app_options.to_vec(),
            prune_disabled: has("Prune=false"),
            prune_confirm: has("Prune=confirm"),
            delete_disabled: has("Delete=false"),
            delete_confirm: has("Delete=confirm"),
            validate: !has("Validate=false"),
            skip_dry_run_on_missing_resource: has("SkipDryRunOnMissingResource=true"),
            replace: has("Replace=true"),
            server_side_apply: has("ServerSideApply=true"),
            client_side_apply_migration: !has("ClientSideApplyMigration=false"),
            create_namespace: has("CreateNamespace=true"),
            prune_last: has("PruneLast=true"),
            apply_out_of_sync_only: has("ApplyOutOfSyncOnly=true"),
            respect_ignore_differences: has("RespectIgnoreDifferences=true"),
            fail_on_shared_resource: has("FailOnSharedResource=true"),
            propagation,
        }
    }
}

/// The options in one object's `argocd.argoproj.io/sync-options` annotation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceOptions {
    entries: Vec<String>,
}

impl ResourceOptions {
    /// Parses the annotation of `obj`; absent means no options.
    pub fn of(obj: Option<&Value>) -> Self {
        let entries = obj
            .and_then(|o| annotation(o, SYNC_OPTIONS_ANNOTATION))
            .map(|text| {
                text.split(',')
                    .map(|e| e.trim().to_owned())
                    .filter(|e| !e.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        ResourceOptions { entries }
    }

    /// Exact presence test, e.g. `has("Replace=true")`.
    pub fn has(&self, option: &str) -> bool {
        self.entries.iter().any(|e| e == option)
    }

    /// The value of the first `key=` entry.
    pub fn value(&self, key: &str) -> Option<&str> {
        value_of(self.entries.iter().map(String::as_str), key)
    }

    pub fn prune_disabled(&self) -> bool {
        self.has("Prune=false")
    }
    pub fn prune_confirm(&self) -> bool {
        self.has("Prune=confirm")
    }
    pub fn prune_last(&self) -> bool {
        self.has("PruneLast=true")
    }
    pub fn validate_disabled(&self) -> bool {
        self.has("Validate=false")
    }
    pub fn skip_dry_run_on_missing_resource(&self) -> bool {
        self.has("SkipDryRunOnMissingResource=true")
    }
    pub fn replace(&self) -> bool {
        self.has("Replace=true")
    }
    pub fn force(&self) -> bool {
        self.has("Force=true")
    }
    pub fn delete_disabled(&self) -> bool {
        self.has("Delete=false")
    }
    pub fn delete_confirm(&self) -> bool {
        self.has("Delete=confirm")
    }
    /// `Some(true)` / `Some(false)` when the resource sets `ServerSideApply`.
    pub fn server_side_apply(&self) -> Option<bool> {
        match self.value("ServerSideApply") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        }
    }
}

fn value_of<'a>(mut entries: impl Iterator<Item = &'a str>, key: &str) -> Option<&'a str> {
    entries.find_map(|e| {
        let (k, v) = e.trim().split_once('=')?;
        (k == key).then_some(v)
    })
}
