//! Argo CD cluster Secrets (`argocd.argoproj.io/secret-type: cluster`) as
//! the cluster generator sees them. Only name, server and project are
//! decoded; credentials are never read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::ClusterInfo;

const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The cluster a Secret declares, or None when it is not a cluster Secret
/// or has no server.
pub fn parse_cluster_secret(secret: &Value) -> Option<ClusterInfo> {
    if secret.get("kind").and_then(Value::as_str) != Some("Secret") {
        return None;
    }
    let metadata = secret.get("metadata")?;
    let string_map = |field: &str| -> std::collections::BTreeMap<String, String> {
        metadata
            .get(field)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let labels = string_map("labels");
    if labels.get(SECRET_TYPE_LABEL).map(String::as_str) != Some("cluster") {
        return None;
    }
    let mut annotations = string_map("annotations");
    annotations.remove(LAST_APPLIED);
    let field = |key: &str| -> Option<String> {
        let plain = secret
            .pointer(&format!("/stringData/{key}"))
            .and_then(Value::as_str);
        if let Some(plain) = plain {
            return Some(plain.to_owned());
        }
        let encoded = secret
            .pointer(&format!("/data/{key}"))
            .and_then(Value::as_str)?;
        let bytes = STANDARD.decode(encoded.trim()).ok()?;
        String::from_utf8(bytes).ok()
    };
    let server = field("server").filter(|s| !s.is_empty())?;
    Some(ClusterInfo {
        name: field("name").unwrap_or_else(|| server.clone()),
        server,
        labels,
        annotations,
        project: field("project").filter(|p| !p.is_empty()),
        local: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_name_server_and_labels() {
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "prod", "labels": {SECRET_TYPE_LABEL: "cluster", "env": "production"}},
            "data": {"name": STANDARD.encode("prod-us"), "server": STANDARD.encode("https://prod.example.com")},
            "stringData": {"project": "platform"}
        });
        let cluster = parse_cluster_secret(&secret).expect("a cluster secret");
        assert_eq!(cluster.name, "prod-us");
        assert_eq!(cluster.server, "https://prod.example.com");
        assert_eq!(
            cluster.labels.get("env").map(String::as_str),
            Some("production")
        );
        assert_eq!(cluster.project.as_deref(), Some("platform"));
    }

    #[test]
    fn other_secrets_are_not_clusters() {
        let secret = json!({"kind": "Secret", "metadata": {"name": "x", "labels": {SECRET_TYPE_LABEL: "repository"}},
                            "stringData": {"server": "https://a"}});
        assert_eq!(parse_cluster_secret(&secret), None);
    }
}
