//! `plumb appset list|generate` and `plumb app list --appset` on a local
//! repository holding seed ApplicationSets and fixture cluster Secrets.

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn fixture_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for file in [
        "seeds/000-gitops-guide/13-applicationset-platform-monitoring.yaml",
        "seeds/000-gitops-guide/17-applicationset-pr-preview.yaml",
        "seeds/003-platform-gitops/03-applicationset-orders-service.yaml",
        "appset/clusters.yaml",
    ] {
        let from = fixtures.join(file);
        let name = from.file_name().expect("file name");
        std::fs::copy(&from, dir.path().join(name)).expect("copy fixture");
    }
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "fixtures"]);
    dir
}

fn plumb(repo: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .env("PLUMB_HOME", home)
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .expect("plumb runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn appset_commands_over_a_repository() {
    let repo = fixture_repo();
    let home = tempfile::tempdir().expect("home");

    let listed = plumb(repo.path(), home.path(), &["appset", "list"]);
    let stdout = text(&listed.stdout);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let monitoring = stdout
        .lines()
        .find(|l| l.starts_with("platform-monitoring"))
        .expect("row");
    assert!(
        monitoring.contains("clusters") && monitoring.contains(" 2 "),
        "{monitoring}"
    );
    assert!(stdout.contains("GeneratorNotSupportedOffline"), "{stdout}");

    let generated = plumb(
        repo.path(),
        home.path(),
        &["appset", "generate", "platform-monitoring"],
    );
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let yaml = text(&generated.stdout);
    assert!(
        yaml.contains("name: monitoring-prod-us") && yaml.contains("name: monitoring-prod-eu"),
        "{yaml}"
    );

    let broken = plumb(
        repo.path(),
        home.path(),
        &["appset", "generate", "orders-service"],
    );
    assert!(!broken.status.success());
    assert!(
        text(&broken.stderr).contains("did you mean {{env}}?"),
        "{}",
        text(&broken.stderr)
    );

    let apps = plumb(
        repo.path(),
        home.path(),
        &[
            "app",
            "list",
            "--appset",
            "platform-monitoring",
            "-o",
            "wide",
        ],
    );
    let table = text(&apps.stdout);
    assert!(
        table.lines().next().is_some_and(|h| h.contains("APPSET")),
        "{table}"
    );
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows.iter()
            .all(|r| r.contains("platform-monitoring/clusters")),
        "{table}"
    );

    let missing = plumb(
        repo.path(),
        home.path(),
        &["app", "list", "--appset", "nope"],
    );
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("ApplicationSet 'nope' not found"));
}
