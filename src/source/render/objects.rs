//! Turning YAML text into objects: multi-document files, empty documents
//! skipped, `List` kinds flattened, and the destination namespace filled in.

use serde::Deserialize;
use serde_json::Value;

use super::RenderCause;
use crate::model::{Object, group_of, kind_of};

/// Parses every document of `text`; `file` and `first_line` (1-based line of
/// `text` within the file) locate errors.
pub(super) fn parse_documents(
    text: &str,
    file: &str,
    first_line: usize,
) -> Result<Vec<Object>, RenderCause> {
    let mut out = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|e| RenderCause::Yaml {
            file: file.to_owned(),
            line: e.location().map(|l| l.line()).unwrap_or(1) + first_line - 1,
            message: e.to_string(),
        })?;
        push_object(value, file, index + 1, &mut out)?;
    }
    Ok(out)
}

/// Parses a JSON file holding one object (or a List).
pub(super) fn parse_json(text: &str, file: &str) -> Result<Vec<Object>, RenderCause> {
    let value: Value = serde_json::from_str(text).map_err(|e| RenderCause::Yaml {
        file: file.to_owned(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    push_object(value, file, 1, &mut out)?;
    Ok(out)
}

fn push_object(
    value: Value,
    file: &str,
    document: usize,
    out: &mut Vec<Object>,
) -> Result<(), RenderCause> {
    match value {
        Value::Null => Ok(()),
        Value::Object(map) if map.is_empty() => Ok(()),
        Value::Object(_) => {
            if kind_of(&value).is_empty() || value.get("apiVersion").is_none() {
                return Err(RenderCause::Yaml {
                    file: file.to_owned(),
                    line: 0,
                    message: format!(
                        "document {document} is not a Kubernetes object (apiVersion or kind missing)"
                    ),
                });
            }
            if kind_of(&value).ends_with("List")
                && let Some(Value::Array(items)) = value.get("items")
            {
                out.extend(items.iter().filter(|i| !i.is_null()).cloned());
            } else {
                out.push(value);
            }
            Ok(())
        }
        _ => Err(RenderCause::Yaml {
            file: file.to_owned(),
            line: 0,
            message: format!("document {document} is not a Kubernetes object (not a mapping)"),
        }),
    }
}

/// Writes `namespace` into a namespaced object that has none.
pub(super) fn fill_namespace(obj: &mut Object, namespace: &str) {
    if namespace.is_empty() || is_cluster_scoped(group_of(obj), kind_of(obj)) {
        return;
    }
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(meta) = metadata.as_object_mut() {
        let has_namespace = meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_some_and(|ns| !ns.is_empty());
        if !has_namespace {
            meta.insert("namespace".into(), Value::String(namespace.to_owned()));
        }
    }
}

/// Built-in cluster-scoped kinds by API group; unknown kinds are namespaced.
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    (
        "",
        &["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    ),
    (
        "admissionregistration.k8s.io",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "authentication.k8s.io",
        &["TokenReview", "SelfSubjectReview"],
    ),
    (
        "authorization.k8s.io",
        &[
            "SubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
        ],
    ),
    (
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    (
        "networking.k8s.io",
        &["IngressClass", "IPAddress", "ServiceCIDR"],
    ),
    ("node.k8s.io", &["RuntimeClass"]),
    ("policy", &["PodSecurityPolicy"]),
    (
        "rbac.authorization.k8s.io",
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("resource.k8s.io", &["DeviceClass", "ResourceSlice"]),
    ("scheduling.k8s.io", &["PriorityClass"]),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
];

pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_lists_and_empty_docs() {
        let text = "---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: c}\n";
        let objects = parse_documents(text, "x.yaml", 1).expect("parses");
        let names: Vec<&str> = objects.iter().map(crate::model::name_of).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn yaml_errors_name_file_and_line() {
        let text = "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: [unclosed\n";
        let err = parse_documents(text, "apps/bad.yaml", 1).expect_err("fails");
        let RenderCause::Yaml { file, line, .. } = &err else {
            panic!("unexpected {err}");
        };
        assert_eq!(file, "apps/bad.yaml");
        assert!(*line >= 5, "line {line}");
    }

    #[test]
    fn namespace_filled_only_for_namespaced_kinds() {
        let mut deployment =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}});
        let mut custom = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "keep"}});
        fill_namespace(&mut deployment, "prod");
        fill_namespace(&mut role, "prod");
        fill_namespace(&mut custom, "prod");
        assert_eq!(deployment["metadata"]["namespace"], "prod");
        assert!(role["metadata"].get("namespace").is_none());
        assert_eq!(custom["metadata"]["namespace"], "keep");
    }
}
