//! `plumb bench render` on a tiny fleet: the generated apps use the Kustomize
//! features the benchmark promises, and the report has every scenario with
//! the same object count on both sides. Nothing here asserts a duration.

mod cli_support;

use cli_support::{Home, documents, run_tool};
use plumb::bench::fleet::{Fleet, FleetKind, FleetSpec};
use plumb::model::{kind_of, name_of};

#[test]
fn generated_kustomize_overlay_uses_prefix_labels_images_and_both_patches() {
    let parent = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::generate(
        FleetSpec {
            apps: 2,
            objects: 4,
            kind: FleetKind::Mixed,
        },
        parent.path(),
    )
    .expect("fleet");
    let kustomize = &fleet.apps[0];
    assert!(
        kustomize.kustomize && !fleet.apps[1].kustomize,
        "mixed alternates"
    );
    let objects = documents(&run_tool(
        "kubectl",
        &["kustomize", &kustomize.path],
        &fleet.dir,
    ));
    assert_eq!(objects.len(), 4);
    let deployment = objects
        .iter()
        .find(|o| kind_of(o) == "Deployment")
        .expect("deployment");
    assert_eq!(name_of(deployment), "prod-app-0000", "namePrefix");
    assert_eq!(deployment["metadata"]["labels"]["env"], "production");
    assert_eq!(deployment["spec"]["replicas"], 3, "strategic merge patch");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/app-0000:1.0",
        "images transformer"
    );
    let patched = objects
        .iter()
        .find(|o| name_of(o) == "prod-app-0000-config-02")
        .expect("config 02");
    assert_eq!(patched["data"]["patched"], "true", "JSON 6902 patch");
    let plain_files = std::fs::read_dir(fleet.dir.join(&fleet.apps[1].path))
        .expect("plain app")
        .count();
    assert_eq!(plain_files, 4);
}

#[test]
fn touching_an_app_changes_only_its_files() {
    let parent = tempfile::tempdir().expect("tempdir");
    let mut fleet = Fleet::generate(
        FleetSpec {
            apps: 2,
            objects: 2,
            kind: FleetKind::Kustomize,
        },
        parent.path(),
    )
    .expect("fleet");
    let git = git2::Repository::open(&fleet.dir).expect("open");
    let before = git.head().expect("head").peel_to_tree().expect("tree");
    fleet.touch_app(1).expect("touch");
    let after = git.head().expect("head").peel_to_tree().expect("tree");
    let diff = git
        .diff_tree_to_tree(Some(&before), Some(&after), None)
        .expect("diff");
    let changed: Vec<String> = diff
        .deltas()
        .map(|d| d.new_file().path().expect("path").display().to_string())
        .collect();
    assert_eq!(
        changed,
        ["apps/app-0001/overlays/production/kustomization.yaml"]
    );
}

#[test]
fn bench_render_reports_every_scenario_as_json() {
    let home = Home::new();
    let run = home.run(&[
        "bench",
        "render",
        "--apps",
        "4",
        "--objects",
        "3",
        "--runs",
        "1",
        "-o",
        "json",
    ]);
    run.assert_success();
    let report = run.json();
    assert_eq!(report["objects"], 12, "4 apps x 3 objects on both sides");
    assert_eq!(report["fleet"]["kind"], "mixed");
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "cold (empty cache)",
            "warm (same process)",
            "warm (new process, disk cache)",
            "one app changed (new commit)"
        ]
    );
    for scenario in report["scenarios"].as_array().expect("scenarios") {
        assert!(scenario["ratio"].as_f64().is_some_and(f64::is_finite));
        assert!(scenario["plumb"]["median_ms"].is_number());
    }
    assert!(report["kubectl_floor"]["min_ms"].is_number());
}

#[test]
fn bench_render_table_names_the_columns() {
    let home = Home::new();
    let run = home.run(&[
        "bench",
        "render",
        "--apps",
        "2",
        "--objects",
        "2",
        "--runs",
        "1",
        "--kind",
        "plain",
    ]);
    run.assert_success();
    assert!(
        run.stdout.contains("fleet: 2 plain apps x 2 objects"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("SCENARIO") && run.stdout.contains("RATIO"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("kubectl process floor"));
}

#[test]
fn bench_appset_lists_every_generated_app_in_both_scenarios() {
    let home = Home::new();
    let run = home.run(&[
        "bench", "appset", "--dirs", "3", "--envs", "2", "--runs", "1",
    ]);
    run.assert_success();
    assert!(
        run.stdout.contains("fleet: 6 apps from one ApplicationSet"),
        "{}",
        run.stdout
    );
    for scenario in ["cold (empty cache)", "warm (cache kept)"] {
        assert!(run.stdout.contains(scenario), "{scenario}: {}", run.stdout);
    }
}

#[test]
fn generated_sync_app_mixes_four_kinds_in_one_wave() {
    let kinds: Vec<String> = (0..8)
        .map(|i| kind_of(&plumb::bench::sync::app_object(i)).to_owned())
        .collect();
    assert_eq!(
        kinds,
        ["ConfigMap", "Secret", "Service", "Deployment"].repeat(2)
    );
    for i in 0..8 {
        let object = plumb::bench::sync::app_object(i);
        assert!(
            object["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].is_null(),
            "one wave"
        );
        assert_eq!(name_of(&object), format!("sync-{i:05}"));
    }
}

#[test]
fn bench_sync_reports_plumb_and_kubectl_side_by_side_as_json() {
    let home = Home::new();
    let run = home.run(&[
        "bench",
        "sync",
        "--objects",
        "6",
        "--runs",
        "1",
        "-o",
        "json",
    ]);
    run.assert_success();
    let report = run.json();
    assert_eq!(report["objects"], 6);
    assert_eq!(report["runs"], 1);
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "first sync of 6 objects",
            "no-op re-sync of 6 (every object applied, as Argo CD)",
            "no-op re-sync of 6 (ApplyOutOfSyncOnly=true)",
        ]
    );
    for scenario in report["scenarios"].as_array().expect("scenarios") {
        assert!(scenario["ratio"].as_f64().is_some_and(f64::is_finite));
        assert!(scenario["baseline"]["median_ms"].is_number());
    }
    assert!(report["peak_rss_kib"].as_u64().is_some_and(|kib| kib > 0));
}

#[test]
fn bench_sync_table_names_the_baseline() {
    let home = Home::new();
    let run = home.run(&["bench", "sync", "--objects", "2", "--runs", "1"]);
    run.assert_success();
    for fragment in [
        "kubectl apply --server-side",
        "KUBECTL MEDIAN",
        "RATIO",
        "peak resident memory",
    ] {
        assert!(run.stdout.contains(fragment), "{fragment}: {}", run.stdout);
    }
}
