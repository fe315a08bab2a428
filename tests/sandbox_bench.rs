//! `plumb bench sandbox` on tiny sizes: the report has every scenario, the
//! kubectl baseline beside the server-side apply ones, and the memory
//! measurement. Nothing here asserts a duration.

use std::process::Command;

use serde_json::Value;

#[test]
fn the_sandbox_benchmark_reports_every_scenario() {
    let kubectl_found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !kubectl_found {
        eprintln!("kubectl is not on PATH; skipping the sandbox benchmark smoke test");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args([
            "bench",
            "sandbox",
            "--objects",
            "20",
            "--apply",
            "9",
            "--memory-objects",
            "30",
            "--runs",
            "1",
            "-o",
            "json",
        ])
        .output()
        .expect("plumb bench sandbox");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let names: Vec<&str> = scenarios
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "create 20 ConfigMaps (kube-rs, in process)",
            "list 20 ConfigMaps (kube-rs, in process)",
            "server-side apply 9 (kube-rs, in process)",
            "server-side apply 9 (kube-rs, loopback TLS)",
        ]
    );
    for scenario in &scenarios[2..] {
        assert!(scenario["baseline"]["median_ms"].is_number(), "{scenario}");
        assert!(scenario["ratio"].is_number(), "{scenario}");
    }
    assert!(scenarios[0]["baseline"].is_null());
    assert_eq!(report["memory"]["objects"], 30);
    assert!(report["kubectl_floor"]["median_ms"].is_number());
}
