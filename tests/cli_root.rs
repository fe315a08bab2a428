//! Choosing the root of the desired state (`--app FILE`, the settings file,
//! flags over settings) and behaving in pipelines, through the real binary.

mod cli_support;

use std::io::Read;
use std::process::Stdio;

use cli_support::{GitRepo, Home, application, documents, keys};

const CONFIGMAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-config
";

/// `main`: tag `v1` has app `first`; the next commit adds app `second`.
fn two_commit_repo() -> GitRepo {
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    repo.write(
        "deploy/first.yaml",
        &application("first", &url, "apps/first", ""),
    )
    .write("apps/first/cm.yaml", CONFIGMAP);
    let v1 = repo.commit("first app");
    repo.git
        .tag_lightweight("v1", &repo.git.find_object(v1, None).expect("v1"), false)
        .expect("tag");
    repo.write(
        "deploy/second.yaml",
        &application("second", &url, "apps/first", ""),
    );
    repo.commit("second app");
    repo
}

#[test]
fn closed_stdout_ends_quietly_with_success() {
    let home = Home::new();
    for args in [
        &["app", "list", "-o", "wide"][..],
        &["app", "manifests", "orders"][..],
    ] {
        let mut child = home
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn plumb");
        // Close the reading end before plumb writes anything.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{args:?}: stderr {stderr}");
        assert_eq!(stderr, "", "{args:?} is quiet on a closed pipe");
    }
}

#[test]
fn piping_into_head_keeps_exit_status_zero() {
    let home = Home::new();
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$PLUMB" app list | head -1; echo "status=${PIPESTATUS[0]}""#)
        .env("PLUMB", cli_support::PLUMB)
        .env("PLUMB_HOME", home.path())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("NAME "), "header first:\n{stdout}");
    assert!(stdout.ends_with("status=0\n"), "plumb exits 0:\n{stdout}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn app_file_lists_and_renders_one_application() {
    let repo = two_commit_repo();
    let home = Home::new();
    let file = home.path().join("first.yaml");
    std::fs::write(&file, application("first", repo.url(), "apps/first", ""))
        .expect("write app file");
    let file = file.to_str().expect("utf-8");
    let run = home.run(&["--app", file, "app", "list", "-o", "json"]);
    run.assert_success();
    assert_eq!(cli_support::names(&run.json()), ["first"]);
    let render = home.run(&["--app", file, "app", "manifests", "first"]);
    render.assert_success();
    let objects = documents(&render.stdout);
    assert_eq!(keys(&objects), ["ConfigMap/settings-config"]);
    assert_eq!(objects[0]["metadata"]["namespace"], "first");
}

#[test]
fn app_file_that_does_not_exist_is_reported() {
    let home = Home::new();
    let run = home.run(&["--app", "/nonexistent/app.yaml", "app", "list"]);
    run.assert_failure()
        .assert_stderr_has(&["/nonexistent/app.yaml"]);
}

#[test]
fn settings_file_chooses_repo_path_and_revision() {
    let repo = two_commit_repo();
    let home = Home::new();
    home.write_settings(&format!(
        "[source]\nrepo = {:?}\npath = \"deploy\"\nrevision = \"v1\"\n",
        repo.url()
    ));
    assert_eq!(home.app_names(&[]), ["first"], "v1 has only the first app");
    let mut latest = home.app_names(&["--revision", "main"]);
    latest.sort();
    assert_eq!(latest, ["first", "second"], "--revision overrides settings");
    assert_eq!(
        home.app_names(&["--repo", repo.url()]),
        ["first"],
        "path and revision from settings apply to an explicit --repo"
    );
    let under_apps = home.app_names(&["--repo", repo.url(), "--path", "apps"]);
    assert!(
        under_apps.is_empty(),
        "--path overrides settings: {under_apps:?}"
    );
}

#[test]
fn unknown_settings_keys_are_warnings() {
    let repo = two_commit_repo();
    let home = Home::new();
    home.write_settings(&format!(
        "[source]\nrepo = {:?}\npath = \"deploy\"\ncolour = \"blue\"\n",
        repo.url()
    ));
    let run = home.run(&["app", "list", "-o", "json"]);
    run.assert_success()
        .assert_stderr_has(&["warning", "settings.toml", "source.colour"]);
    let mut listed = cli_support::names(&run.json());
    listed.sort();
    assert_eq!(
        listed,
        ["first", "second"],
        "the warning does not stop plumb"
    );
}

#[test]
fn invalid_settings_value_fails_naming_the_file() {
    let home = Home::new();
    home.write_settings("[source]\nrepo = 42\n");
    let run = home.run(&["app", "list"]);
    run.assert_failure()
        .assert_stderr_has(&["settings.toml", "repo"]);
}
