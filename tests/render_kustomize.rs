//! Kustomize applications against the real `kubectl kustomize`: plumb's output
//! equals the tool's over the same inputs, Application-level overrides equal
//! a kustomization edited as `kustomize edit` would, the shared export is
//! never touched, and failures name the app.

mod render_support;

use std::collections::BTreeMap;

use plumb::model::{
    KustomizePatch, KustomizeReplica, KustomizeSelector, KustomizeSource, Object, kind_of, name_of,
};
use plumb::source::render::{RenderCause, render};
use render_support::{FixtureRepo, copy_dir, documents, run_tool, source, with_namespace};

const OVERLAY: &str = "kustomize/overlays/prod";

fn objects_of(rendered: &[plumb::source::RenderedObject]) -> Vec<Object> {
    rendered.iter().map(|o| o.object.clone()).collect()
}

#[test]
fn overlay_equals_kubectl_kustomize() {
    let fixture = FixtureRepo::new();
    let overlay = fixture.checkout.join(OVERLAY);
    let expected = documents(&run_tool(
        "kubectl",
        &["kustomize", overlay.to_str().expect("utf-8")],
        &fixture.checkout,
    ));
    assert!(
        expected.len() >= 3,
        "reference output has the fixture's objects"
    );

    let rendered = render(
        &fixture.request("web", source(OVERLAY), "prod"),
        &fixture.options(),
    )
    .expect("renders");
    assert_eq!(objects_of(&rendered), with_namespace(expected, "prod"));

    let sources: BTreeMap<String, String> = rendered
        .iter()
        .map(|o| {
            (
                format!("{}/{}", kind_of(&o.object), name_of(&o.object)),
                o.source_file.clone(),
            )
        })
        .collect();
    assert_eq!(
        sources["Deployment/prod-web"],
        "kustomize/base/deployment.yaml"
    );
    assert_eq!(sources["Service/prod-web"], "kustomize/base/service.yaml");
    let generated = sources
        .iter()
        .find(|(k, _)| k.starts_with("ConfigMap/prod-web-config-"))
        .expect("generated ConfigMap");
    assert_eq!(generated.1, "kustomize/overlays/prod/kustomization.yaml");
    assert!(
        rendered
            .iter()
            .all(|o| !o.object.to_string().contains("config.kubernetes.io/origin"))
    );
}

fn overrides() -> KustomizeSource {
    KustomizeSource {
        name_prefix: Some("app-".into()),
        name_suffix: Some("-v2".into()),
        images: vec![
            "nginx=mirror.local/nginx:1.28".into(),
            "busybox:1.37".into(),
        ],
        replicas: vec![KustomizeReplica {
            name: "web".into(),
            count: serde_json::json!("5"),
        }],
        common_labels: BTreeMap::from([("env".into(), "prod".into())]),
        common_annotations: BTreeMap::from([("owner".into(), "${ARGOCD_APP_NAME}-team".into())]),
        common_annotations_envsubst: true,
        namespace: Some("shop".into()),
        patches: vec![
            KustomizePatch {
                path: Some("extra-patch.yaml".into()),
                ..Default::default()
            },
            KustomizePatch {
                patch: Some(
                    "- op: add\n  path: /metadata/labels/patched\n  value: inline\n".into(),
                ),
                target: Some(KustomizeSelector {
                    kind: Some("Deployment".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ],
        components: vec!["../../components/monitoring".into()],
        ..Default::default()
    }
}

/// The overlay's kustomization after Argo CD's `kustomize edit` commands for
/// `overrides()`.
const EDITED_KUSTOMIZATION: &str = r#"apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: app-
nameSuffix: -v2
namespace: shop
resources:
- ../../base
images:
- name: nginx
  newName: mirror.local/nginx
  newTag: "1.28"
- name: busybox
  newTag: "1.37"
replicas:
- name: web
  count: 5
commonLabels:
  env: prod
commonAnnotations:
  owner: shop-app-team
configMapGenerator:
- name: web-config
  files:
  - app.properties
  literals:
  - LOG_LEVEL=info
patches:
- path: replicas-patch.yaml
- path: port-patch.json
  target:
    kind: Service
    name: web
- path: extra-patch.yaml
- patch: |
    - op: add
      path: /metadata/labels/patched
      value: inline
  target:
    kind: Deployment
components:
- ../../components/monitoring
"#;

#[test]
fn application_overrides_equal_kustomize_edit_result() {
    let fixture = FixtureRepo::new();
    let reference_tree = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &fixture.checkout.join("kustomize"),
        &reference_tree.path().join("kustomize"),
    );
    let edited = reference_tree.path().join(OVERLAY);
    std::fs::write(edited.join("kustomization.yaml"), EDITED_KUSTOMIZATION).expect("write");
    let expected = documents(&run_tool(
        "kubectl",
        &["kustomize", edited.to_str().expect("utf-8")],
        reference_tree.path(),
    ));

    let mut src = source(OVERLAY);
    src.kustomize = Some(overrides());
    let rendered = render(
        &fixture.request("shop-app", src, "ignored-ns"),
        &fixture.options(),
    )
    .expect("renders");
    assert_eq!(objects_of(&rendered), expected);
    assert!(
        rendered
            .iter()
            .any(|o| name_of(&o.object) == "app-monitoring-v2"),
        "component included"
    );

    let export_file =
        std::fs::read_to_string(fixture.checkout.join(OVERLAY).join("kustomization.yaml"))
            .expect("read");
    let original = std::fs::read_to_string(
        std::path::Path::new(render_support::FIXTURES)
            .join("kustomize/overlays/prod/kustomization.yaml"),
    )
    .expect("read");
    assert_eq!(
        export_file, original,
        "the shared export must never be edited"
    );
}

#[test]
fn labels_without_selector_equal_kustomize_edit_result() {
    let fixture = FixtureRepo::new();
    let reference_tree = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &fixture.checkout.join("kustomize"),
        &reference_tree.path().join("kustomize"),
    );
    let edited = reference_tree
        .path()
        .join("kustomize/base/kustomization.yaml");
    let original = std::fs::read_to_string(&edited).expect("read");
    let with_labels = original.replace(
        "labels:\n",
        "labels:\n- pairs:\n    env: prod\n  includeTemplates: true\n",
    );
    assert_ne!(with_labels, original);
    std::fs::write(&edited, with_labels).expect("write");
    let base = reference_tree.path().join("kustomize/base");
    let expected = documents(&run_tool(
        "kubectl",
        &["kustomize", base.to_str().expect("utf-8")],
        reference_tree.path(),
    ));

    let mut src = source("kustomize/base");
    src.kustomize = Some(KustomizeSource {
        common_labels: BTreeMap::from([("env".into(), "prod".into())]),
        label_without_selector: true,
        label_include_templates: true,
        ..Default::default()
    });
    let rendered =
        render(&fixture.request("labels", src, ""), &fixture.options()).expect("renders");
    assert_eq!(objects_of(&rendered), expected);
    let deployment = rendered
        .iter()
        .find(|o| kind_of(&o.object) == "Deployment")
        .expect("deployment");
    assert_eq!(
        deployment.object["spec"]["template"]["metadata"]["labels"]["env"],
        "prod"
    );
    assert!(
        deployment.object["spec"]["selector"]["matchLabels"]
            .get("env")
            .is_none()
    );
}

#[test]
fn failing_build_reports_stderr_and_app() {
    let fixture = FixtureRepo::new();
    let err = render(
        &fixture.request("broken", source("kustomize/broken"), ""),
        &fixture.options(),
    )
    .expect_err("fails");
    let RenderCause::Tool { stderr, .. } = &err.cause else {
        panic!("unexpected error {err}");
    };
    assert!(stderr.contains("does-not-exist.yaml"), "{stderr}");
    assert!(err.to_string().contains("broken"), "{err}");
}

#[test]
fn base_outside_the_repository_is_refused() {
    let checkout = tempfile::tempdir().expect("tempdir");
    let app = checkout.path().join("app");
    std::fs::create_dir(&app).expect("mkdir");
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- ../../outside\n",
    )
    .expect("write");
    let opts = plumb::source::render::RenderOptions::from_path(checkout.path());
    let req = plumb::source::render::RenderRequest {
        checkout: checkout.path().to_path_buf(),
        app: plumb::source::render::AppRender {
            app_name: "escaper".into(),
            source: source("app"),
            namespace: String::new(),
        },
    };
    let err = render(&req, &opts).expect_err("escape");
    let message = err.to_string();
    assert!(
        message.contains("escaper")
            && message.contains("../../outside")
            && message.contains("escapes"),
        "{message}"
    );
}
