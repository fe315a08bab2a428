//! Running the real tools (helm, kubectl) from tests and reading their
//! output the way plumb's own renders are compared with it.

#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;
use std::process::Command;

use plumb::model::Object;
use plumb::source::render::is_cluster_scoped;
use serde::Deserialize;

/// Runs a real tool in `cwd` (Helm's homes in a throw-away folder) and
/// returns stdout, failing the test on error.
pub fn run_tool(program: &str, args: &[&str], cwd: &Path) -> String {
    let helm_home = tempfile::tempdir().expect("tempdir");
    let output = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("HELM_CACHE_HOME", helm_home.path().join("cache"))
        .env("HELM_CONFIG_HOME", helm_home.path().join("config"))
        .env("HELM_DATA_HOME", helm_home.path().join("data"))
        .output()
        .expect("tool runs (is target/tools/bin on PATH?)");
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Every non-empty document of a YAML stream (comments are dropped).
pub fn documents(text: &str) -> Vec<Object> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Object::deserialize(doc).expect("valid YAML"))
        .filter(|doc| !doc.is_null())
        .collect()
}

/// Writes the destination namespace into namespaced objects lacking one, as
/// plumb does after rendering.
pub fn with_namespace(mut objects: Vec<Object>, namespace: &str) -> Vec<Object> {
    for object in &mut objects {
        let group = plumb::model::group_of(object).to_owned();
        let kind = plumb::model::kind_of(object).to_owned();
        if is_cluster_scoped(&group, &kind) || !plumb::model::namespace_of(object).is_empty() {
            continue;
        }
        object["metadata"]["namespace"] = namespace.into();
    }
    objects
}
