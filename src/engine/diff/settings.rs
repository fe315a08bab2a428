//! System-level diff settings read from `argocd-cm`: ignoreDifferences per
//! group/kind (and for every kind), the status-field option and the
//! annotations whose values are masked.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// Which objects have `/status` ignored
/// (`resource.compareoptions.ignoreResourceStatusField`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFieldIgnore {
    /// Every kind (the default, also for unrecognised values).
    #[default]
    All,
    /// CustomResourceDefinitions only.
    Crd,
    /// Nothing.
    None,
}

/// One system rule: a group/kind glob pair and what to ignore.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemRule {
    pub group: String,
    pub kind: String,
    pub json_pointers: Vec<String>,
    pub jq_path_expressions: Vec<String>,
    pub managed_fields_managers: Vec<String>,
}

/// Diff settings from `argocd-cm`. The default is what Argo CD 3.x does with
/// an empty ConfigMap: status ignored everywhere, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemDiffSettings {
    pub rules: Vec<SystemRule>,
    pub ignore_status: StatusFieldIgnore,
    pub ignore_aggregated_roles: bool,
    pub sensitive_annotations: Vec<String>,
}

/// An `argocd-cm` that cannot be understood.
#[derive(Debug, thiserror::Error)]
pub enum DiffConfigError {
    #[error("argocd-cm key {key}: {message}")]
    BadKey { key: String, message: String },
    #[error("argocd-cm: {0}")]
    NotAConfigMap(String),
    #[error("reading argocd-cm file {path}: {message}")]
    File { path: String, message: String },
}

const IGNORE_PREFIX: &str = "resource.customizations.ignoreDifferences.";
const CUSTOMIZATIONS: &str = "resource.customizations";
const COMPARE_OPTIONS: &str = "resource.compareoptions";
const SENSITIVE_ANNOTATIONS: &str = "resource.sensitive.mask.annotations";

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IgnoreSpec {
    #[serde(default)]
    json_pointers: Vec<String>,
    #[serde(default)]
    jq_path_expressions: Vec<String>,
    #[serde(default)]
    managed_fields_managers: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompareOptions {
    #[serde(default)]
    ignore_resource_status_field: Option<String>,
    #[serde(default)]
    ignore_aggregated_roles: bool,
}

impl SystemDiffSettings {
    /// Reads the settings from an `argocd-cm` ConfigMap object.
    pub fn from_argocd_cm(cm: &Value) -> Result<Self, DiffConfigError> {
        let data = match cm.get("data") {
            None | Some(Value::Null) => return Ok(Self::default()),
            Some(Value::Object(data)) => data,
            Some(_) => {
                return Err(DiffConfigError::NotAConfigMap(
                    "data must be a map of strings".into(),
                ));
            }
        };
        let mut settings = Self::default();
        for (key, value) in data {
            let text = value.as_str().ok_or_else(|| DiffConfigError::BadKey {
                key: key.clone(),
                message: "value must be a string".into(),
            })?;
            if let Some(suffix) = key.strip_prefix(IGNORE_PREFIX) {
                let (group, kind) = split_suffix(suffix);
                let spec = parse_ignore_spec(key, text)?;
                settings.rules.push(rule(group, kind, spec));
            } else if key == CUSTOMIZATIONS {
                settings.rules.extend(parse_customizations(key, text)?);
            } else if key == COMPARE_OPTIONS {
                let options: CompareOptions = parse_yaml(key, text)?;
                settings.ignore_status =
                    status_option(options.ignore_resource_status_field.as_deref());
                settings.ignore_aggregated_roles = options.ignore_aggregated_roles;
            } else if key == SENSITIVE_ANNOTATIONS {
                settings.sensitive_annotations = text
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
        }
        Ok(settings)
    }

    /// Reads an `argocd-cm` manifest (YAML) from a file.
    pub fn from_argocd_cm_file(path: &Path) -> Result<Self, DiffConfigError> {
        let file_error = |message: String| DiffConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|err| file_error(err.to_string()))?;
        let cm: Value = serde_yaml::from_str(&text).map_err(|err| file_error(err.to_string()))?;
        Self::from_argocd_cm(&cm)
    }
}

/// `<group>_<kind>`, `<kind>` (core group) or `all` (every kind).
fn split_suffix(suffix: &str) -> (&str, &str) {
    if suffix == "all" {
        return ("*", "*");
    }
    suffix.split_once('_').unwrap_or(("", suffix))
}

fn rule(group: &str, kind: &str, spec: IgnoreSpec) -> SystemRule {
    SystemRule {
        group: group.to_owned(),
        kind: kind.to_owned(),
        json_pointers: spec.json_pointers,
        jq_path_expressions: spec.jq_path_expressions,
        managed_fields_managers: spec.managed_fields_managers,
    }
}

fn status_option(value: Option<&str>) -> StatusFieldIgnore {
    match value.map(str::trim) {
        Some("crd") => StatusFieldIgnore::Crd,
        Some("none" | "off" | "false") => StatusFieldIgnore::None,
        _ => StatusFieldIgnore::All,
    }
}

fn parse_yaml<T: for<'de> Deserialize<'de> + Default>(
    key: &str,
    text: &str,
) -> Result<T, DiffConfigError> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml::from_str(text).map_err(|err| DiffConfigError::BadKey {
        key: key.to_owned(),
        message: err.to_string(),
    })
}

fn parse_ignore_spec(key: &str, text: &str) -> Result<IgnoreSpec, DiffConfigError> {
    parse_yaml(key, text)
}

/// The combined form: a map keyed `group/kind` (or `kind` for the core
/// group; globs allowed) whose `ignoreDifferences` is a YAML string or map.
fn parse_customizations(key: &str, text: &str) -> Result<Vec<SystemRule>, DiffConfigError> {
    let all: serde_json::Map<String, Value> = parse_yaml(key, text)?;
    let mut rules = Vec::new();
    for (group_kind, customization) in all {
        let Some(ignore) = customization.get("ignoreDifferences") else {
            continue;
        };
        let context = format!("{key} ({group_kind}.ignoreDifferences)");
        let spec = match ignore {
            Value::String(inner) => parse_ignore_spec(&context, inner)?,
            other => {
                serde_json::from_value(other.clone()).map_err(|err| DiffConfigError::BadKey {
                    key: context.clone(),
                    message: err.to_string(),
                })?
            }
        };
        let (group, kind) = group_kind.rsplit_once('/').unwrap_or(("", &group_kind));
        rules.push(rule(group, kind, spec));
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_per_kind_all_and_combined_rules() {
        let cm = json!({"data": {
            "resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers:\n- /spec/replicas\n",
            "resource.customizations.ignoreDifferences.Service": "jqPathExpressions:\n- .spec.clusterIP\n",
            "resource.customizations.ignoreDifferences.all": "managedFieldsManagers:\n- kube-controller-manager\n",
            "resource.customizations": "\"*.crossplane.io/*\":\n  ignoreDifferences: |\n    jsonPointers:\n    - /spec/x\n",
            "resource.compareoptions": "ignoreResourceStatusField: crd\n",
            "resource.sensitive.mask.annotations": "openshift.io/token-secret.value, secret"
        }});
        let settings = SystemDiffSettings::from_argocd_cm(&cm).expect("valid");
        let find = |group: &str, kind: &str| {
            settings
                .rules
                .iter()
                .find(|r| r.group == group && r.kind == kind)
                .cloned()
                .unwrap_or_else(|| panic!("rule {group}/{kind} in {:?}", settings.rules))
        };
        assert_eq!(find("apps", "Deployment").json_pointers, ["/spec/replicas"]);
        assert_eq!(find("", "Service").jq_path_expressions, [".spec.clusterIP"]);
        assert_eq!(
            find("*", "*").managed_fields_managers,
            ["kube-controller-manager"]
        );
        assert_eq!(find("*.crossplane.io", "*").json_pointers, ["/spec/x"]);
        assert_eq!(settings.ignore_status, StatusFieldIgnore::Crd);
        assert_eq!(
            settings.sensitive_annotations,
            ["openshift.io/token-secret.value", "secret"]
        );
    }

    #[test]
    fn reads_an_argocd_cm_file_and_names_it_on_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("argocd-cm.yaml");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n  \
             resource.compareoptions: |\n    ignoreResourceStatusField: none\n",
        )
        .expect("write");
        let settings = SystemDiffSettings::from_argocd_cm_file(&path).expect("reads");
        assert_eq!(settings.ignore_status, StatusFieldIgnore::None);
        let missing = dir.path().join("absent.yaml");
        let err = SystemDiffSettings::from_argocd_cm_file(&missing).expect_err("missing");
        assert!(err.to_string().contains("absent.yaml"), "{err}");
    }

    #[test]
    fn status_option_values() {
        assert_eq!(status_option(None), StatusFieldIgnore::All);
        assert_eq!(status_option(Some("bogus")), StatusFieldIgnore::All);
        assert_eq!(status_option(Some("off")), StatusFieldIgnore::None);
    }

    #[test]
    fn broken_yaml_names_the_key() {
        let cm = json!({"data": {
            "resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers: [unclosed"
        }});
        let err = SystemDiffSettings::from_argocd_cm(&cm).expect_err("broken");
        assert!(
            err.to_string()
                .contains("resource.customizations.ignoreDifferences.apps_Deployment"),
            "{err}"
        );
    }
}
