//! The Argo CD `ApplicationSet`, kept as data: generators and the template are
//! interpreted by the engine's ApplicationSet expansion, not here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ObjectMeta;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSet {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ApplicationSetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetSpec {
    #[serde(default)]
    pub generators: Vec<Value>,
    /// An Application template (`metadata` + `spec`), strings still unrendered.
    #[serde(default)]
    pub template: Value,
    #[serde(default)]
    pub go_template: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub go_template_options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_patch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<ApplicationSetSyncPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_application_differences: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetSyncPolicy {
    #[serde(default)]
    pub preserve_resources_on_deletion: bool,
    /// `create-only`, `create-update`, `create-delete` or `sync` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applications_sync: Option<String>,
}
