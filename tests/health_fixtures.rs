//! Every object fixture under `tests/fixtures/health/` states its expected
//! health in annotations:
//! - `health.plumb.test/status`: a status code, or `None` for "no health";
//! - `health.plumb.test/message`: the exact message, or
//!   `health.plumb.test/message-contains`: a part of it;
//! - `health.plumb.test/config`: an argocd-cm file (same directory) to load.
//!
//! Files named `argocd-cm-*.yaml` are configurations, not cases.

use std::path::{Path, PathBuf};

use plumb::engine::health::{HealthConfig, assess};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health")
}

fn expectation<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.pointer(&format!("/metadata/annotations/health.plumb.test~1{name}"))?
        .as_str()
}

fn check_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let obj: Value = serde_yaml::from_str(&text).map_err(|e| format!("bad YAML: {e}"))?;
    let config = match expectation(&obj, "config") {
        Some(file) => HealthConfig::from_argocd_cm_file(&fixture_dir().join(file))
            .map_err(|e| e.to_string())?,
        None => HealthConfig::default(),
    };
    let expected_status =
        expectation(&obj, "status").ok_or("missing health.plumb.test/status annotation")?;
    let actual = assess(&obj, &config);
    let Some(health) = actual else {
        return if expected_status == "None" {
            Ok(())
        } else {
            Err(format!("expected {expected_status}, got no health"))
        };
    };
    if health.status.as_str() != expected_status {
        return Err(format!(
            "expected {expected_status}, got {} ({:?})",
            health.status, health.message
        ));
    }
    if let Some(message) = expectation(&obj, "message")
        && health.message != message
    {
        return Err(format!(
            "expected message {message:?}, got {:?}",
            health.message
        ));
    }
    if let Some(part) = expectation(&obj, "message-contains")
        && !health.message.contains(part)
    {
        return Err(format!(
            "expected message containing {part:?}, got {:?}",
            health.message
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_gets_its_expected_health() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("argocd-cm"))
        })
        .collect();
    cases.sort();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            check_case(path).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(cases.len() >= 10, "found only {} fixtures", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
