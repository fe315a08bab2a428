//! Plain-directory applications: file selection as Argo CD does it, multi-doc
//! files, Lists, namespaces and YAML errors.

mod render_support;

use plumb::model::{DirectorySource, kind_of, name_of, namespace_of};
use plumb::source::render::{RenderCause, render};
use render_support::{FixtureRepo, source};

fn names(objects: &[plumb::source::RenderedObject]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}@{}",
                kind_of(&o.object),
                name_of(&o.object),
                o.source_file
            )
        })
        .collect()
}

#[test]
fn top_level_files_only_without_recurse() {
    let fixture = FixtureRepo::new();
    let req = fixture.request("plain", source("plain/app"), "apps");
    let objects = render(&req, &fixture.options()).expect("renders");
    assert_eq!(
        names(&objects),
        [
            "ConfigMap/settings@plain/app/10-config.yaml",
            "Service/web@plain/app/10-config.yaml",
            "ServiceAccount/runner@plain/app/20-list.yml",
            "ClusterRole/reader@plain/app/20-list.yml",
            "ConfigMap/from-json@plain/app/30-secretless.json",
        ]
    );
    let namespaces: Vec<&str> = objects.iter().map(|o| namespace_of(&o.object)).collect();
    assert_eq!(namespaces, ["apps", "explicit", "apps", "", "apps"]);
}

#[test]
fn recurse_with_include_and_exclude_globs() {
    let fixture = FixtureRepo::new();
    let mut src = source("plain/app");
    src.directory = Some(DirectorySource {
        recurse: true,
        include: Some("{*.json,sub/*}".into()),
        exclude: Some("sub/skip-*".into()),
        jsonnet: None,
    });
    let req = fixture.request("plain", src, "apps");
    let objects = render(&req, &fixture.options()).expect("renders");
    assert_eq!(
        names(&objects),
        [
            "ConfigMap/from-json@plain/app/30-secretless.json",
            "ConfigMap/deep-json@plain/app/sub/deeper/extra.json",
            "Namespace/team-a@plain/app/sub/deeper/ns.yaml",
            "Job/migrate@plain/app/sub/job.yaml",
        ]
    );
}

#[test]
fn yaml_error_names_app_file_and_line() {
    let fixture = FixtureRepo::new();
    let req = fixture.request("broken-app", source("plain/bad"), "apps");
    let err = render(&req, &fixture.options()).expect_err("bad YAML");
    let RenderCause::Yaml { file, line, .. } = &err.cause else {
        panic!("unexpected error {err}");
    };
    assert_eq!(file, "plain/bad/broken.yaml");
    assert_eq!(*line, 10);
    let message = err.to_string();
    assert!(
        message.contains("broken-app") && message.contains("plain/bad/broken.yaml:10"),
        "{message}"
    );
}

#[test]
fn missing_app_path_and_escaping_path_are_refused() {
    let fixture = FixtureRepo::new();
    let missing = render(
        &fixture.request("gone", source("plain/nope"), ""),
        &fixture.options(),
    )
    .expect_err("missing");
    assert!(
        matches!(missing.cause, RenderCause::MissingPath(_)),
        "{missing}"
    );
    let escape = render(
        &fixture.request("evil", source("plain/../../etc"), ""),
        &fixture.options(),
    )
    .expect_err("escape");
    let message = escape.to_string();
    assert!(
        message.contains("evil") && message.contains("escapes the repository"),
        "{message}"
    );
}
