//! Bad input through the real `plumb` binary, each case in its own Git
//! repository: the message names the app (or file and line) and the cause,
//! nothing panics, and the healthy app next to the broken one still lists and
//! renders.

mod cli_support;

use cli_support::{GitRepo, Home, Run, application, documents, keys};

const GOOD_CONFIGMAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: good-config
data:
  key: value
";

/// A repository with a healthy plain app `good` and whatever the case adds.
fn repo_with_good_app() -> GitRepo {
    let repo = GitRepo::new();
    let url = repo.url().to_owned();
    repo.write(
        "argocd/good.yaml",
        &application("good", &url, "apps/good", ""),
    )
    .write("apps/good/cm.yaml", GOOD_CONFIGMAP);
    repo
}

fn root_args(repo: &GitRepo) -> Vec<String> {
    vec![
        "--repo".into(),
        repo.url().into(),
        "--path".into(),
        "argocd".into(),
    ]
}

fn run_in(home: &Home, repo: &GitRepo, args: &[&str]) -> Run {
    let root = root_args(repo);
    let mut full: Vec<&str> = args.to_vec();
    full.extend(root.iter().map(String::as_str));
    home.run(&full)
}

/// The healthy app still lists and renders its ConfigMap.
fn assert_good_app_still_works(home: &Home, repo: &GitRepo) {
    let list = run_in(home, repo, &["app", "list", "-o", "json"]);
    assert!(
        cli_support::names(&list.json()).contains(&"good".to_owned()),
        "good is listed:\n{list:#?}"
    );
    let render = run_in(home, repo, &["app", "manifests", "good"]);
    render.assert_success();
    assert_eq!(
        keys(&documents(&render.stdout)),
        ["ConfigMap/good-config"],
        "good renders"
    );
}

#[test]
fn malformed_application_file_names_file_and_line() {
    let repo = repo_with_good_app();
    repo.write(
        "argocd/broken.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: [broken\nspec: {}\n",
    );
    repo.commit("broken app file");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "list"]);
    run.assert_failure()
        .assert_stderr_has(&["argocd/broken.yaml", "error"]);
    assert!(
        run.stderr.contains("broken.yaml:4") || run.stderr.contains("broken.yaml:5"),
        "the message has the line of the bad YAML:\n{}",
        run.stderr
    );
    assert!(run.stdout.contains("good"), "good still listed:\n{run:#?}");
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn malformed_yaml_in_an_app_path_names_app_file_and_line() {
    let repo = repo_with_good_app();
    let url = repo.url().to_owned();
    repo.write(
        "argocd/broken.yaml",
        &application("broken", &url, "apps/broken", ""),
    )
    .write(
        "apps/broken/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata: {}\n",
    );
    repo.commit("broken manifest");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "manifests", "broken"]);
    run.assert_failure()
        .assert_stderr_has(&["application broken", "apps/broken/cm.yaml:4"]);
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn application_without_destination_is_an_error_naming_it() {
    let repo = repo_with_good_app();
    let url = repo.url().to_owned();
    let app = application("nodest", &url, "apps/good", "");
    let without_destination = app
        .split("  destination:")
        .next()
        .expect("has destination")
        .to_owned();
    repo.write("argocd/nodest.yaml", &without_destination);
    repo.commit("app without destination");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "list"]);
    run.assert_failure().assert_stderr_has(&[
        "Application nodest",
        "spec.destination",
        "argocd/nodest.yaml",
    ]);
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn app_path_escaping_the_repository_is_refused() {
    let repo = repo_with_good_app();
    let url = repo.url().to_owned();
    repo.write(
        "argocd/escape.yaml",
        &application("escape", &url, "../../etc", ""),
    );
    repo.commit("escaping path");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "manifests", "escape"]);
    run.assert_failure()
        .assert_stderr_has(&["application escape", "\"../../etc\" escapes the repository"]);
    assert!(
        !run.stdout.contains("root:"),
        "nothing from /etc is printed:\n{}",
        run.stdout
    );
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn helm_app_with_missing_chart_dir_names_app_and_path() {
    let repo = repo_with_good_app();
    let url = repo.url().to_owned();
    repo.write(
        "argocd/chartless.yaml",
        &application(
            "chartless",
            &url,
            "charts/missing",
            "    helm:\n      releaseName: chartless\n",
        ),
    );
    repo.commit("helm app without chart");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "manifests", "chartless"]);
    run.assert_failure()
        .assert_stderr_has(&["application chartless", "\"charts/missing\" does not exist"]);
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn failing_kustomize_build_names_app_and_cause() {
    let repo = repo_with_good_app();
    let url = repo.url().to_owned();
    repo.write(
        "argocd/kust.yaml",
        &application("kust", &url, "apps/kust", ""),
    )
    .write(
        "apps/kust/kustomization.yaml",
        "resources:\n  - deployment.yaml\n  - does-not-exist.yaml\n",
    )
    .write(
        "apps/kust/deployment.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kust\n",
    );
    repo.commit("kustomize app with a missing resource");
    let home = Home::new();
    let run = run_in(&home, &repo, &["app", "manifests", "kust"]);
    run.assert_failure().assert_stderr_has(&[
        "application kust",
        "kustomize failed",
        "does-not-exist.yaml",
    ]);
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn unknown_revision_fails_naming_it() {
    let repo = repo_with_good_app();
    repo.commit("good app");
    let home = Home::new();
    for command in [&["app", "list"][..], &["app", "manifests", "good"][..]] {
        let mut args = command.to_vec();
        args.extend(["--revision", "no-such-branch"]);
        let run = run_in(&home, &repo, &args);
        run.assert_failure()
            .assert_stderr_has(&["revision \"no-such-branch\" not found"]);
        assert_eq!(run.stdout, "", "nothing printed for {command:?}");
    }
    assert_good_app_still_works(&home, &repo);
}

#[test]
fn unreachable_repository_fails_naming_it() {
    let home = Home::new();
    let run = home.run(&["app", "list", "--repo", "file:///nonexistent/gitops.git"]);
    run.assert_failure()
        .assert_stderr_has(&["cannot reach repository", "/nonexistent/gitops"]);
    assert_eq!(run.stdout, "");
    let demo = home.run(&["app", "list", "-o", "json"]);
    demo.assert_success();
    assert!(
        cli_support::names(&demo.json()).contains(&"payments".to_owned()),
        "the default root still works after a failed repo"
    );
}

#[test]
fn closed_stderr_does_not_abort_while_reporting_errors() {
    let repo = repo_with_good_app();
    repo.write("argocd/broken.yaml", "kind: Application\nmetadata: [\n");
    repo.commit("broken app file");
    let home = Home::new();
    let root = root_args(&repo);
    let mut args = vec!["app", "list"];
    args.extend(root.iter().map(String::as_str));
    let mut child = home
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plumb");
    // Close the reading end before plumb reports the diagnostic.
    drop(child.stderr.take());
    let status = child.wait().expect("wait");
    assert_eq!(
        status.code(),
        Some(1),
        "the error exits 1, not an abort from writing to a closed stderr"
    );
}
