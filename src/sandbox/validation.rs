//! Validation the real API server does on write: names per kind, and the
//! checks clients hit most (a Deployment's selector).

use serde_json::Value;

use super::errors::Cause;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// Which rule a kind's names follow.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NameRule {
    Subdomain,
    Label,
    Dns1035,
    PathSegment,
}

fn rule_for(group: &str, kind: &str) -> NameRule {
    match (group, kind) {
        ("", "Namespace") => NameRule::Label,
        ("", "Service") => NameRule::Dns1035,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn is_subdomain(s: &str) -> bool {
    s.split('.').all(is_label)
}

/// Problems with a name as the causes of a 422, empty when valid.
pub fn name_causes(group: &str, kind: &str, name: &str) -> Vec<Cause> {
    let field = "metadata.name";
    let quoted = format!("\"{name}\"");
    let mut causes = Vec::new();
    match rule_for(group, kind) {
        NameRule::Subdomain => {
            if name.len() > 253 {
                causes.push(Cause::invalid(
                    field,
                    &quoted,
                    "must be no more than 253 characters",
                ));
            }
            if !is_subdomain(name) {
                causes.push(Cause::invalid(field, &quoted, SUBDOMAIN_MSG));
            }
        }
        NameRule::Label => {
            if name.len() > 63 {
                causes.push(Cause::invalid(
                    field,
                    &quoted,
                    "must be no more than 63 characters",
                ));
            }
            if !is_label(name) {
                causes.push(Cause::invalid(field, &quoted, LABEL_MSG));
            }
        }
        NameRule::Dns1035 => {
            if name.len() > 63 {
                causes.push(Cause::invalid(
                    field,
                    &quoted,
                    "must be no more than 63 characters",
                ));
            }
            if !is_label(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
                causes.push(Cause::invalid(field, &quoted, DNS1035_MSG));
            }
        }
        NameRule::PathSegment => {
            if name == "." || name == ".." {
                causes.push(Cause::invalid(
                    field,
                    &quoted,
                    &format!("may not be '{name}'"),
                ));
            }
            for bad in ["/", "%"] {
                if name.contains(bad) {
                    causes.push(Cause::invalid(
                        field,
                        &quoted,
                        &format!("may not contain '{bad}'"),
                    ));
                }
            }
        }
    }
    causes
}

/// Go's `%#v` of a `map[string]string`, as the real messages print labels.
fn go_map(labels: &serde_json::Map<String, Value>) -> String {
    let mut pairs: Vec<(&String, &Value)> = labels.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{}\"", v.as_str().unwrap_or_default()))
        .collect();
    format!("map[string]string{{{}}}", inner.join(", "))
}

fn selector_matches(selector: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let exprs = selector.get("matchExpressions").and_then(Value::as_array);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    if exprs.is_none_or(|e| e.is_empty()) && match_labels.is_none_or(|m| m.is_empty()) {
        return false;
    }
    let labels_ok = match_labels.is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let exprs_ok = exprs.is_none_or(|list| {
        list.iter().all(|e| {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let actual = labels.get(key).and_then(Value::as_str);
            match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                "In" => actual.is_some_and(|a| values.contains(&a)),
                "NotIn" => actual.is_none_or(|a| !values.contains(&a)),
                "Exists" => actual.is_some(),
                "DoesNotExist" => actual.is_none(),
                _ => false,
            }
        })
    });
    labels_ok && exprs_ok
}

/// A CRD's name must be `<plural>.<group>`.
fn crd_causes(object: &Value) -> Vec<Cause> {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let plural = object
        .pointer("/spec/names/plural")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = object
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name == format!("{plural}.{group}") {
        return Vec::new();
    }
    vec![Cause::invalid(
        "metadata.name",
        &format!("\"{name}\""),
        "must be spec.names.plural+\".\"+spec.group",
    )]
}

/// Spec checks for workloads with a selector and a pod template, and CRDs.
pub fn spec_causes(group: &str, kind: &str, object: &Value) -> Vec<Cause> {
    if (group, kind) == ("apiextensions.k8s.io", "CustomResourceDefinition") {
        return crd_causes(object);
    }
    let with_selector = matches!(
        (group, kind),
        (
            "apps",
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
        )
    );
    if !with_selector {
        return Vec::new();
    }
    let mut causes = Vec::new();
    let selector = object.pointer("/spec/selector");
    if selector.is_none_or(Value::is_null) {
        causes.push(Cause::required("spec.selector"));
    }
    let empty = serde_json::Map::new();
    let labels = object
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if !selector_matches(selector.unwrap_or(&Value::Null), labels) {
        causes.push(Cause::invalid(
            "spec.template.metadata.labels",
            &go_map(labels),
            "`selector` does not match template `labels`",
        ));
    }
    let containers = object
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    if containers.is_none_or(|c| c.is_empty()) {
        causes.push(Cause::required("spec.template.spec.containers"));
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_the_rule_of_their_kind() {
        assert!(name_causes("", "ConfigMap", "a.b-c").is_empty());
        assert_eq!(
            name_causes("", "ConfigMap", "Bad_Name")[0].message,
            format!("Invalid value: \"Bad_Name\": {SUBDOMAIN_MSG}")
        );
        assert!(!name_causes("", "Namespace", "a.b").is_empty());
        assert!(!name_causes("", "Service", "1abc").is_empty());
        assert!(name_causes("rbac.authorization.k8s.io", "ClusterRole", "system:admin").is_empty());
    }

    #[test]
    fn crd_names_are_plural_dot_group() {
        let crd = json!({"metadata": {"name": "widget.example.com"},
            "spec": {"group": "example.com", "names": {"plural": "widgets"}}});
        let causes = spec_causes("apiextensions.k8s.io", "CustomResourceDefinition", &crd);
        assert_eq!(
            causes[0].message,
            "Invalid value: \"widget.example.com\": must be spec.names.plural+\".\"+spec.group"
        );
    }

    #[test]
    fn deployment_without_selector_has_the_recorded_causes() {
        let d = json!({"spec": {"template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}});
        let causes = spec_causes("apps", "Deployment", &d);
        assert_eq!(causes.len(), 2);
        assert_eq!(causes[0].field, "spec.selector");
        assert_eq!(
            causes[1].message,
            "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"
        );
    }
}
