//! Helm applications against the real `helm template`: plumb's output equals
//! the tool's with Argo CD's arguments, and bad input is reported clearly.

mod render_support;

use plumb::model::{HelmFileParameter, HelmParameter, HelmSource, kind_of, name_of};
use plumb::source::render::{RenderCause, render};
use render_support::{FixtureRepo, copy_dir, documents, run_tool, source, with_namespace};

const CHART: &str = "helm/chart";

fn prod_values() -> HelmSource {
    HelmSource {
        release_name: Some("shop".into()),
        value_files: vec!["values-prod.yaml".into(), "missing.yaml".into()],
        ignore_missing_value_files: true,
        parameters: vec![
            HelmParameter {
                name: "image.tag".into(),
                value: "1.27".into(),
                force_string: false,
            },
            HelmParameter {
                name: "build".into(),
                value: "1234".into(),
                force_string: true,
            },
            HelmParameter {
                name: "extra".into(),
                value: "a,b".into(),
                force_string: false,
            },
        ],
        file_parameters: vec![HelmFileParameter {
            name: "motd".into(),
            path: "files/motd.txt".into(),
        }],
        values: Some("greeting: from-string\n".into()),
        values_object: Some(serde_json::json!({"greeting": "from-object"})),
        skip_tests: true,
        ..Default::default()
    }
}

#[test]
fn chart_equals_helm_template_with_argo_arguments() {
    let fixture = FixtureRepo::new();
    let chart = fixture.checkout.join(CHART);
    let inline = tempfile::NamedTempFile::new().expect("temp values");
    std::fs::write(inline.path(), "greeting: from-object\n").expect("write");
    let inline_path = inline.path().to_str().expect("utf-8");
    let expected = documents(&run_tool(
        "helm",
        &[
            "template",
            ".",
            "--name-template",
            "shop",
            "--namespace",
            "prod",
            "--set",
            "extra=a\\,b",
            "--set",
            "image.tag=1.27",
            "--set-string",
            "build=1234",
            "--set-file",
            "motd=files/motd.txt",
            "--values",
            "values-prod.yaml",
            "--values",
            inline_path,
            "--include-crds",
            "--skip-tests",
        ],
        &chart,
    ));

    let mut src = source(CHART);
    src.helm = Some(prod_values());
    let rendered =
        render(&fixture.request("web", src, "prod"), &fixture.options()).expect("renders");
    let objects: Vec<_> = rendered.iter().map(|o| o.object.clone()).collect();
    assert_eq!(objects, with_namespace(expected, "prod"));

    let config = rendered
        .iter()
        .find(|o| name_of(&o.object) == "shop-config")
        .expect("configmap");
    assert_eq!(config.object["data"]["greeting"], "from-object");
    assert_eq!(config.object["data"]["build"], "1234");
    assert_eq!(config.object["data"]["extra"], "a,b");
    assert_eq!(config.object["data"]["motd"], "Welcome to prod\n");
    assert_eq!(config.source_file, "helm/chart/templates/configmap.yaml");
    let crd = rendered
        .iter()
        .find(|o| kind_of(&o.object) == "CustomResourceDefinition")
        .expect("crd");
    assert_eq!(crd.source_file, "helm/chart/crds/widgets.yaml");
    assert!(
        rendered.iter().all(|o| kind_of(&o.object) != "Pod"),
        "tests skipped"
    );
    let deployment = rendered
        .iter()
        .find(|o| kind_of(&o.object) == "Deployment")
        .expect("deployment");
    assert_eq!(deployment.object["metadata"]["namespace"], "prod");
    assert_eq!(deployment.object["spec"]["replicas"], 4);
}

#[test]
fn detected_chart_with_defaults_equals_helm_template() {
    let fixture = FixtureRepo::new();
    let chart = fixture.checkout.join(CHART);
    let expected = documents(&run_tool(
        "helm",
        &[
            "template",
            ".",
            "--name-template",
            "plain-chart",
            "--include-crds",
        ],
        &chart,
    ));
    let rendered = render(
        &fixture.request("plain-chart", source(CHART), ""),
        &fixture.options(),
    )
    .expect("renders");
    let objects: Vec<_> = rendered.iter().map(|o| o.object.clone()).collect();
    assert_eq!(objects, expected);
    assert!(
        rendered.iter().any(|o| kind_of(&o.object) == "Pod"),
        "test hooks kept without skipTests"
    );
}

#[test]
fn skip_crds_leaves_crds_out() {
    let fixture = FixtureRepo::new();
    let mut src = source(CHART);
    src.helm = Some(HelmSource {
        skip_crds: true,
        ..Default::default()
    });
    let rendered =
        render(&fixture.request("web", src, "prod"), &fixture.options()).expect("renders");
    assert!(!rendered.is_empty());
    assert!(
        rendered
            .iter()
            .all(|o| kind_of(&o.object) != "CustomResourceDefinition")
    );
}

#[test]
fn missing_chart_is_reported() {
    let fixture = FixtureRepo::new();
    let mut src = source("helm/not-a-chart");
    src.helm = Some(HelmSource::default());
    let err =
        render(&fixture.request("chartless", src, ""), &fixture.options()).expect_err("no chart");
    assert!(
        matches!(err.cause, RenderCause::MissingPath(ref p) if p == "helm/not-a-chart/Chart.yaml"),
        "{err}"
    );
    assert!(err.to_string().contains("chartless"));
}

#[test]
fn value_files_must_exist_and_stay_in_the_repository() {
    let fixture = FixtureRepo::new();
    let with_files = |files: &[&str]| {
        let mut src = source(CHART);
        src.helm = Some(HelmSource {
            value_files: files.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        });
        render(&fixture.request("values-app", src, ""), &fixture.options()).expect_err("refused")
    };
    let escape = with_files(&["../../../secrets.yaml"]).to_string();
    assert!(
        escape.contains("values-app") && escape.contains("escapes the repository"),
        "{escape}"
    );
    let absolute = with_files(&["/etc/passwd"]).to_string();
    assert!(absolute.contains("is absolute"), "{absolute}");
    let missing = with_files(&["values-missing.yaml"]).to_string();
    assert!(
        missing.contains("helm/chart/values-missing.yaml"),
        "{missing}"
    );
}

#[test]
fn offline_dependency_build_fails_clearly_without_touching_the_export() {
    let fixture = FixtureRepo::new();
    let err = render(
        &fixture.request("deps", source("helm/needs-deps"), ""),
        &fixture.options(),
    )
    .expect_err("offline");
    let RenderCause::Tool { tool, .. } = &err.cause else {
        panic!("unexpected error {err}");
    };
    assert!(tool.contains("dependencies missing from charts/"), "{tool}");
    assert!(err.to_string().contains("charts.example.invalid"), "{err}");
    assert!(
        !fixture.checkout.join("helm/needs-deps/charts").exists(),
        "export untouched"
    );
}

#[test]
fn local_dependencies_are_built_in_a_private_copy() {
    let fixture = FixtureRepo::new();
    let reference = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &fixture.checkout.join("helm"),
        &reference.path().join("helm"),
    );
    let chart = reference.path().join("helm/with-local-dep");
    run_tool("helm", &["dependency", "build"], &chart);
    let expected = documents(&run_tool(
        "helm",
        &[
            "template",
            ".",
            "--name-template",
            "umbrella",
            "--namespace",
            "apps",
            "--include-crds",
        ],
        &chart,
    ));

    let rendered = render(
        &fixture.request("umbrella", source("helm/with-local-dep"), "apps"),
        &fixture.options(),
    )
    .expect("renders");
    let objects: Vec<_> = rendered.iter().map(|o| o.object.clone()).collect();
    assert_eq!(objects, with_namespace(expected, "apps"));
    let sub = rendered
        .iter()
        .find(|o| name_of(&o.object) == "umbrella-sub")
        .expect("subchart object");
    assert_eq!(
        sub.source_file,
        "helm/with-local-dep/charts/subchart/templates/cm.yaml"
    );
    assert!(
        !fixture.checkout.join("helm/with-local-dep/charts").exists(),
        "export untouched"
    );
}
