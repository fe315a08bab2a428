//! `plumb health FILE... [--config FILE]` on the health fixtures: every
//! object's status and message as the fixture's annotations expect, with
//! the argocd-cm file the fixture names.

mod cli_support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use cli_support::Home;
use serde_json::Value;

const CONFIG: &str = "health.plumb.test/config";
const STATUS: &str = "health.plumb.test/status";
const MESSAGE: &str = "health.plumb.test/message";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health")
}

/// Fixture files grouped by the argocd-cm file they need ("" for none).
fn fixture_groups() -> BTreeMap<String, Vec<PathBuf>> {
    let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(fixtures()).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if path.extension().is_none_or(|e| e != "yaml") || !text.contains(STATUS) {
            continue;
        }
        let object: Value = serde_yaml::from_str(&text).expect("fixture parses");
        let config = object["metadata"]["annotations"][CONFIG]
            .as_str()
            .unwrap_or("")
            .to_owned();
        groups.entry(config).or_default().push(path);
    }
    groups
}

#[test]
fn every_health_fixture_gets_its_expected_status_and_message() {
    let home = Home::new();
    let mut checked = 0;
    for (config, files) in fixture_groups() {
        let mut args: Vec<String> = vec!["health".into(), "-o".into(), "json".into()];
        if !config.is_empty() {
            args.push("--config".into());
            args.push(fixtures().join(&config).display().to_string());
        }
        args.extend(files.iter().map(|f| f.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = home.run(&args);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let results: Vec<Value> = serde_json::from_str(&run.stdout).expect("json output");
        assert_eq!(results.len(), files.len());
        for (result, file) in results.iter().zip(&files) {
            let text = std::fs::read_to_string(file).expect("read");
            let object: Value = serde_yaml::from_str(&text).expect("parse");
            let annotations = &object["metadata"]["annotations"];
            let status = annotations[STATUS].as_str().expect("status annotation");
            let got = result["health"]["status"].as_str().unwrap_or("");
            let got = if result["health"].is_null() {
                "None"
            } else {
                got
            };
            assert_eq!(got, status, "{}", file.display());
            if let Some(message) = annotations[MESSAGE].as_str() {
                let got = result["health"]["message"].as_str().unwrap_or("");
                assert_eq!(got, message, "{}", file.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} fixtures checked");
}

#[test]
fn table_output_lists_one_line_per_object_with_status_and_message() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("objects.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata: {name: data, namespace: shop}\n  status: {phase: Pending}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n",
    )
    .expect("write");
    let run = home.run(&["health", file.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("KIND"), "{}", run.stdout);
    assert!(lines[1].contains("PersistentVolumeClaim") && lines[1].contains("Progressing"));
    assert!(lines[2].contains("ConfigMap") && lines[2].contains("no health check"));
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, "just: [a list\n").expect("write");
    let run = home.run(&["health", file.to_str().expect("utf-8 path")]);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("broken.yaml"), "{}", run.stderr);
    let run = home.run(&["health", "/nonexistent/objects.yaml"]);
    assert!(
        run.stderr.contains("/nonexistent/objects.yaml"),
        "{}",
        run.stderr
    );
}
