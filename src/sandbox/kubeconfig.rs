//! The kubeconfig `plumb sandbox serve` writes so kubectl (and other plumb
//! processes) can reach the running sandbox.

use std::io::Write;
use std::path::Path;

use serde_json::json;

/// The context name in the written kubeconfig.
pub const CONTEXT: &str = "plumb-sandbox";

/// The kubeconfig text for a server URL and bearer token.
pub fn render(server: &str, token: &str, ca_pem: &str) -> String {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": CONTEXT, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": "default"}}],
        "current-context": CONTEXT,
    });
    serde_yaml::to_string(&doc).unwrap_or_default()
}

/// Writes the kubeconfig readable by the owner only (mode 0600), replacing
/// any previous one atomically.
pub fn write(path: &Path, server: &str, token: &str, ca_pem: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(render(server, token, ca_pem).as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A fresh random bearer token (32 hex digits).
pub fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_kubeconfig_is_private_and_parses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kubeconfig");
        write(&path, "https://127.0.0.1:1234", "abc", "PEM").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let config = kube::config::Kubeconfig::read_from(&path).expect("kubeconfig");
        assert_eq!(config.current_context.as_deref(), Some(CONTEXT));
        assert_eq!(new_token().len(), 32);
    }
}
