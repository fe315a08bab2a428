//! App health aggregation on the fixtures in `tests/fixtures/health/aggregate/`:
//! each file lists resources (`live: <object>` or `missing: <key>`, with
//! optional `self: true` / `targetSkip: true`), an optional argocd-cm
//! `config`, and the `expect`ed app health.

use std::path::{Path, PathBuf};

use plumb::engine::health::{AppResourceHealth, HealthConfig, aggregate};
use plumb::model::ResourceKey;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Case {
    config: Option<String>,
    expect: Expected,
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
struct Expected {
    status: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resource {
    live: Option<Value>,
    missing: Option<ResourceKey>,
    #[serde(default, rename = "self")]
    is_self: bool,
    #[serde(default)]
    target_skip: bool,
}

fn health_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health")
}

fn check_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Case = serde_yaml::from_str(&text).map_err(|e| format!("bad case: {e}"))?;
    let config = match &case.config {
        Some(file) => HealthConfig::from_argocd_cm_file(&health_dir().join(file))
            .map_err(|e| e.to_string())?,
        None => HealthConfig::default(),
    };
    let resources: Vec<AppResourceHealth> = case
        .resources
        .iter()
        .map(|res| {
            let key = match (&res.live, &res.missing) {
                (Some(obj), _) => ResourceKey::of(obj),
                (None, Some(key)) => key.clone(),
                (None, None) => return Err("a resource needs `live` or `missing`".to_owned()),
            };
            let mut entry = AppResourceHealth::from_live(key, res.live.as_ref(), &config);
            entry.is_self = res.is_self;
            entry.skipped = res.target_skip;
            Ok(entry)
        })
        .collect::<Result<_, _>>()?;
    let health = aggregate(&resources);
    if health.status.as_str() != case.expect.status || health.message != case.expect.message {
        return Err(format!(
            "expected {} {:?}, got {} {:?}",
            case.expect.status, case.expect.message, health.status, health.message
        ));
    }
    Ok(())
}

#[test]
fn every_aggregation_fixture_gets_its_expected_app_health() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(health_dir().join("aggregate"))
        .expect("aggregate fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            check_case(path).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(cases.len() >= 8, "found only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
