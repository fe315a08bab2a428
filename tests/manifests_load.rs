//! Loading Argo CD manifests from text: documents, lists, decoding errors,
//! unknown fields and validation, each reported with file, line, object and field.

use plumb::model::{Diagnostic, Manifest, Severity, parse_documents};

fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(ToString::to_string).collect()
}

const GOOD_APP: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: payments
spec:
  project: default
  source:
    repoURL: https://example.com/repo.git
    path: apps/payments
  destination:
    server: https://kubernetes.default.svc
    namespace: payments
";

#[test]
fn multi_document_yaml_with_empty_documents_and_lists() {
    let text = format!(
        "---\n# just a comment\n---\n{GOOD_APP}---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: argoproj.io/v1alpha1\n  kind: AppProject\n  metadata:\n    name: team\n"
    );
    let (manifests, diagnostics) = parse_documents("apps/all.yaml", &text);
    assert!(diagnostics.is_empty(), "{:?}", messages(&diagnostics));
    let kinds: Vec<(&str, usize)> = manifests
        .iter()
        .map(|(m, line)| (m.kind(), *line))
        .collect();
    assert_eq!(
        kinds,
        vec![("Application", 4), ("ConfigMap", 20), ("AppProject", 24)]
    );
    let Manifest::Application(app) = &manifests[0].0 else {
        panic!("first document should be an Application");
    };
    assert_eq!(app.metadata.name, "payments");
    assert_eq!(
        app.spec.all_sources()[0].path.as_deref(),
        Some("apps/payments")
    );
}

#[test]
fn json_documents_load() {
    let json = r#"{"apiVersion":"argoproj.io/v1alpha1","kind":"AppProject","metadata":{"name":"team"},"spec":{"sourceRepos":["*"]}}"#;
    let (manifests, diagnostics) = parse_documents("projects/team.json", json);
    assert!(diagnostics.is_empty(), "{:?}", messages(&diagnostics));
    assert!(matches!(&manifests[0].0, Manifest::AppProject(p) if p.spec.source_repos == ["*"]));
}

#[test]
fn malformed_yaml_names_file_and_line_and_other_documents_still_load() {
    let text = format!(
        "{GOOD_APP}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: after\n"
    );
    let (manifests, diagnostics) = parse_documents("apps/broken.yaml", &text);
    let kinds: Vec<&str> = manifests.iter().map(|(m, _)| m.kind()).collect();
    assert_eq!(
        kinds,
        ["Application", "Namespace"],
        "the good documents still load"
    );
    assert_eq!(
        messages(&diagnostics),
        [
            "apps/broken.yaml:18: invalid YAML: did not find expected ',' or ']' at line 18 column 1, while parsing a flow sequence at line 17 column 9"
        ]
    );
    assert_eq!(diagnostics[0].severity, Severity::Error);
}

#[test]
fn application_without_destination_is_an_error_on_its_field() {
    let text = GOOD_APP.replace(
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: payments\n",
        "",
    );
    let (manifests, diagnostics) = parse_documents("apps/payments.yaml", &text);
    assert_eq!(manifests.len(), 1);
    assert_eq!(
        messages(&diagnostics),
        ["apps/payments.yaml:5: Application payments: spec.destination: is required"]
    );
}

#[test]
fn unknown_fields_warn_with_full_path_and_hint() {
    let text = GOOD_APP.replace(
        "    path: apps/payments\n",
        "    path: apps/payments\n    helm:\n      valueFile: [a.yaml]\n",
    );
    let (manifests, diagnostics) = parse_documents("apps/payments.yaml", &text);
    assert_eq!(manifests.len(), 1);
    assert_eq!(
        messages(&diagnostics),
        [
            "apps/payments.yaml:11: Application payments: spec.source.helm.valueFile: unknown field; did you mean spec.source.helm.valueFiles?"
        ]
    );
    assert_eq!(diagnostics[0].severity, Severity::Warning);
}

#[test]
fn wrong_type_is_an_error_naming_the_field() {
    let text = format!("{GOOD_APP}  syncPolicy:\n    automated:\n      prune: \"{{prune}}\"\n");
    let (manifests, diagnostics) = parse_documents("apps/payments.yaml", &text);
    assert!(manifests.is_empty());
    assert_eq!(
        messages(&diagnostics),
        [
            r#"apps/payments.yaml:15: Application payments: spec.syncPolicy.automated.prune: invalid type: string "{prune}", expected a boolean"#
        ]
    );
}

#[test]
fn application_spec_validation_follows_argo_cd() {
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: Bad_Name
spec:
  revisionHistoryLimit: -1
  sources:
  - repoURL: https://example.com/a.git
    path: \"\"
  - repoURL: \"\"
    chart: nginx
  - repoURL: https://example.com/values.git
    ref: values
  destination:
    server: https://kubernetes.default.svc
    name: in-cluster
  syncPolicy:
    syncOptions:
    - CreateNamespace=true
    - createnamespace=true
    - Frobnicate=yes
    - PruneLast
    retry:
      backoff:
        duration: 5 seconds
        maxDuration: 3m
";
    let (_, diagnostics) = parse_documents("a.yaml", text);
    let got = messages(&diagnostics);
    let expected = [
        r#"a.yaml:4: Application Bad_Name: metadata.name: "Bad_Name" is not a valid name: must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"#,
        "a.yaml:14: Application Bad_Name: spec.destination: server and name are both set; use only one of them",
        "a.yaml:8: Application Bad_Name: spec.sources[0]: either path or chart is required (the repository root is path: .)",
        "a.yaml:10: Application Bad_Name: spec.sources[1].repoURL: is required",
        "a.yaml:6: Application Bad_Name: spec.revisionHistoryLimit: must not be negative (got -1)",
        r#"a.yaml:25: Application Bad_Name: spec.syncPolicy.retry.backoff.duration: invalid duration "5 seconds" (expected e.g. 5s, 2m, 1h30m, 300ms)"#,
        r#"a.yaml:20: Application Bad_Name: spec.syncPolicy.syncOptions[1]: unknown sync option "createnamespace"; did you mean CreateNamespace?"#,
        r#"a.yaml:21: Application Bad_Name: spec.syncPolicy.syncOptions[2]: unknown sync option "Frobnicate""#,
        r#"a.yaml:22: Application Bad_Name: spec.syncPolicy.syncOptions[3]: "PruneLast" is not of the form Key=Value; ignored"#,
    ];
    assert_eq!(got, expected);
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    assert_eq!(warnings, 3);
}

#[test]
fn missing_sources_and_destination_target() {
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: empty
spec:
  destination:
    namespace: x
";
    let (_, diagnostics) = parse_documents("e.yaml", text);
    assert_eq!(
        messages(&diagnostics),
        [
            "e.yaml:6: Application empty: spec.destination: one of server or name is required",
            "e.yaml:5: Application empty: spec.source: one of spec.source or spec.sources is required",
        ]
    );
}

#[test]
fn project_sync_windows_are_checked_by_index() {
    let long = "x".repeat(256);
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team
spec:
  syncWindows:
  - kind: allow
    schedule: '10 1 * * *'
    duration: 1h30m
  - kind: block
    schedule: '* * *'
    duration: forever
    description: {long}
"
    );
    let (manifests, diagnostics) = parse_documents("p.yaml", &text);
    assert_eq!(manifests.len(), 1);
    let fields: Vec<(Option<usize>, Option<&str>)> = diagnostics
        .iter()
        .map(|d| (d.line, d.field.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            (Some(10), Some("spec.syncWindows[1].kind")),
            (Some(11), Some("spec.syncWindows[1].schedule")),
            (Some(12), Some("spec.syncWindows[1].duration")),
            (Some(13), Some("spec.syncWindows[1].description")),
        ]
    );
    assert!(
        diagnostics
            .iter()
            .all(|d| d.is_error() && d.object.as_deref() == Some("AppProject team"))
    );
}

#[test]
fn unsupported_argo_version_and_non_objects_are_reported() {
    let text = "apiVersion: argoproj.io/v1beta1\nkind: Application\nmetadata:\n  name: x\n---\n- just\n- a list\n";
    let (manifests, diagnostics) = parse_documents("v.yaml", text);
    assert!(manifests.is_empty());
    assert_eq!(
        messages(&diagnostics),
        [
            "v.yaml:1: Application x: apiVersion: unsupported apiVersion argoproj.io/v1beta1 (expected argoproj.io/v1alpha1)",
            "v.yaml:6: document is not an object; ignored",
        ]
    );
}

#[test]
fn diagnostics_inside_a_list_point_at_the_item_field() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: first
- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: listed
  spec:
    source:
      repoURL: https://example.com/repo.git
      path: .
    destination:
      server: https://kubernetes.default.svc
    syncPolicy:
      syncOptions:
      - Bogus=true
";
    let (manifests, diagnostics) = parse_documents("list.yaml", text);
    let lines: Vec<usize> = manifests.iter().map(|(_, line)| *line).collect();
    assert_eq!(lines, [4, 8]);
    assert_eq!(
        messages(&diagnostics),
        [
            r#"list.yaml:20: Application listed: spec.syncPolicy.syncOptions[0]: unknown sync option "Bogus""#
        ]
    );
}

#[test]
fn metadata_typos_warn_but_server_fields_do_not() {
    let text = GOOD_APP.replace(
        "  name: payments\n",
        "  name: payments\n  lables:\n    team: pay\n  uid: 1234\n  resourceVersion: \"7\"\n",
    );
    let (manifests, diagnostics) = parse_documents("apps/payments.yaml", &text);
    assert_eq!(manifests.len(), 1);
    assert_eq!(
        messages(&diagnostics),
        [
            "apps/payments.yaml:5: Application payments: metadata.lables: unknown field; did you mean metadata.labels?"
        ]
    );
}
