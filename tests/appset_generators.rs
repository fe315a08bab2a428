//! Generator and templating behaviour (argo-semantics §10, T25) on fixture
//! repositories, in both templating modes.

mod appset_support;

use appset_support::{appset_from_yaml, clusters, expand_with, messages, names};
use plumb::engine::appset::{ClusterInfo, Expansion, IN_CLUSTER_SERVER, RESOURCES_FINALIZER};

fn expand_yaml(yaml: &str) -> Expansion {
    expand_with(&appset_from_yaml(yaml), &clusters())
}

/// An ApplicationSet with the given generators and template body.
fn appset(options: &str, generators: &str, template: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: test\n  namespace: argocd\nspec:\n{options}  generators:\n{generators}  template:\n{template}"
    )
}

const PLAIN_TEMPLATE: &str = "    metadata:
      name: 'app-{{name}}'
    spec:
      project: default
      source: {repoURL: https://example.com/r, path: '{{path}}', targetRevision: main}
      destination: {server: https://kubernetes.default.svc, namespace: default}
";

fn source_path(e: &Expansion, i: usize) -> String {
    e.apps[i].app.spec.all_sources()[0]
        .path
        .clone()
        .unwrap_or_default()
}

#[test]
fn t25_git_directories_skip_hidden_and_give_flat_path_params() {
    let e = expand_yaml(&appset(
        "",
        "    - git:\n        repoURL: https://example.com/t25\n        revision: HEAD\n        directories:\n          - path: apps/*\n",
        "    metadata:\n      name: 't25-{{path.basenameNormalized}}'\n    spec:\n      project: default\n      source: {repoURL: https://example.com/r, path: '{{ path.basename }}-{{ nope }}'}\n      destination: {server: https://kubernetes.default.svc, namespace: default}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["t25-my-app"]);
    let params = e.apps[0].origin.params.as_object().expect("params");
    let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "path",
            "path.basename",
            "path.basenameNormalized",
            "path[0]",
            "path[1]"
        ]
    );
    assert_eq!(params["path"], "apps/my_app");
    assert_eq!(params["path.basename"], "my_app");
    assert_eq!(params["path.basenameNormalized"], "my-app");
    assert_eq!(params["path[0]"], "apps");
    assert_eq!(params["path[1]"], "my_app");
    // fasttemplate keeps an unknown tag exactly as written.
    assert_eq!(source_path(&e, 0), "my_app-{{ nope }}");
}

#[test]
fn t25_flat_matrix_duplicate_key_with_different_values_is_an_error() {
    let e = expand_yaml(&appset(
        "",
        "    - matrix:\n        generators:\n          - list: {elements: [{env: dev, name: a}]}\n          - list: {elements: [{env: prod, path: x}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(e.apps.is_empty());
    assert!(e.has_error());
    let all = messages(&e);
    assert!(
        all.contains("found duplicate key env with different value, a: dev ,b: prod"),
        "{all}"
    );
    assert!(
        all.contains("ApplicationSet test: spec.generators[0] (matrix(list,list))"),
        "{all}"
    );
}

#[test]
fn flat_matrix_same_key_with_same_value_is_fine() {
    let e = expand_yaml(&appset(
        "",
        "    - matrix:\n        generators:\n          - list: {elements: [{env: dev, name: a}]}\n          - list: {elements: [{env: dev, path: x}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["app-a"]);
}

#[test]
fn matrix_of_git_directories_and_list_on_a_repo_fixture() {
    let e = expand_yaml(&appset(
        "",
        "    - matrix:\n        generators:\n          - git:\n              repoURL: https://github.com/org/gitops-config\n              revision: main\n              directories: [{path: apps/services/*}]\n          - list:\n              elements:\n                - {env: dev, cluster: https://dev.example.com}\n                - {env: prod, cluster: https://prod.example.com}\n",
        "    metadata:\n      name: '{{path.basename}}-{{env}}'\n    spec:\n      project: 'services-{{env}}'\n      source: {repoURL: https://github.com/org/gitops-config, path: '{{path}}', helm: {valueFiles: [values.yaml, 'values-{{env}}.yaml']}}\n      destination: {server: '{{cluster}}', namespace: '{{path.basename}}'}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(
        names(&e),
        [
            "orders-dev",
            "orders-prod",
            "payment-processing-dev",
            "payment-processing-prod"
        ]
    );
    let app = &e.apps[3].app;
    assert_eq!(app.spec.project_or_default(), "services-prod");
    assert_eq!(source_path(&e, 3), "apps/services/payment-processing");
    let helm = app.spec.all_sources()[0].helm.clone().expect("helm");
    assert_eq!(helm.value_files, ["values.yaml", "values-prod.yaml"]);
    assert_eq!(e.apps[0].origin.generator, "matrix(git,list)");
}

#[test]
fn matrix_second_child_is_templated_with_the_first_childs_params() {
    let e = expand_yaml(&appset(
        "",
        "    - matrix:\n        generators:\n          - list: {elements: [{repo: https://example.com/teams, name: teams}]}\n          - git: {repoURL: '{{repo}}', revision: HEAD, files: [{path: 'clusters/*/cluster.yaml'}]}\n",
        "    metadata:\n      name: '{{name}}-{{cluster}}'\n    spec:\n      project: default\n      source: {repoURL: '{{repo}}', path: '{{path}}'}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{region}}'}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["teams-eu", "teams-us", "teams-us-canary"]);
}

#[test]
fn merge_overrides_matching_sets_and_drops_unmatched_ones() {
    let e = expand_yaml(&appset(
        "",
        "    - merge:\n        mergeKeys: [cluster]\n        generators:\n          - git: {repoURL: https://example.com/teams, revision: HEAD, files: [{path: 'clusters/**/cluster.yaml'}]}\n          - list: {elements: [{cluster: eu, tier: platinum}, {cluster: mars, tier: gold}]}\n",
        "    metadata:\n      name: '{{cluster}}-{{tier}}'\n    spec:\n      project: default\n      source: {repoURL: https://example.com/teams, path: '{{path}}'}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{region}}'}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["eu-platinum", "us-gold", "us-canary-bronze"]);
    assert_eq!(e.apps[0].origin.generator, "merge(git,list)");
    assert_eq!(e.apps[0].origin.params["path.filename"], "cluster.yaml");
}

#[test]
fn merge_duplicate_key_within_a_child_is_an_error() {
    let e = expand_yaml(&appset(
        "",
        "    - merge:\n        mergeKeys: [name]\n        generators:\n          - list: {elements: [{name: a, path: x}, {name: a, path: y}]}\n          - list: {elements: [{name: a, path: z}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(e.has_error());
    let all = messages(&e);
    assert!(
        all.contains("merge generator: child 1: duplicate key {\"name\":\"a\"}"),
        "{all}"
    );
}

#[test]
fn matrix_needs_exactly_two_children() {
    let e = expand_yaml(&appset(
        "",
        "    - matrix:\n        generators:\n          - list: {elements: [{name: a}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(messages(&e).contains("matrix generator: needs exactly 2 child generators, found 1"));
}

#[test]
fn flat_list_rejects_non_string_values_and_reads_elements_yaml() {
    let bad = expand_yaml(&appset(
        "",
        "    - list: {elements: [{name: a, path: p, replicas: 3}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(bad.has_error());
    assert!(
        messages(&bad).contains("elements[0]: error parsing value as string: replicas is 3"),
        "{}",
        messages(&bad)
    );
    let good = expand_yaml(&appset(
        "",
        "    - list:\n        elements: [{name: a, path: p}]\n        elementsYaml: |\n          - {name: b, path: q}\n",
        PLAIN_TEMPLATE,
    ));
    assert_eq!(names(&good), ["app-a", "app-b"]);
}

#[test]
fn clusters_without_selector_add_in_cluster_last_once() {
    let template = "    metadata:\n      name: 'c-{{nameNormalized}}'\n    spec:\n      project: '{{project}}'\n      source: {repoURL: https://example.com/r, path: p}\n      destination: {server: '{{server}}', namespace: default}\n";
    let e = expand_yaml(&appset("", "    - clusters: {}\n", template));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(
        names(&e),
        ["c-prod-us", "c-prod-eu", "c-staging-1", "c-in-cluster"]
    );
    assert_eq!(e.apps[1].app.spec.project_or_default(), "platform");
    let mut known = clusters();
    known.push(ClusterInfo {
        name: "local".into(),
        server: IN_CLUSTER_SERVER.into(),
        ..ClusterInfo::default()
    });
    let e = expand_with(
        &appset_from_yaml(&appset("", "    - clusters: {}\n", template)),
        &known,
    );
    assert_eq!(
        names(&e),
        ["c-prod-us", "c-prod-eu", "c-staging-1", "c-local"]
    );
}

#[test]
fn clusters_match_expressions() {
    let e = expand_yaml(&appset(
        "",
        "    - clusters:\n        selector:\n          matchExpressions:\n            - {key: region, operator: In, values: [us-east-1]}\n            - {key: env, operator: NotIn, values: [staging]}\n",
        "    metadata:\n      name: 'c-{{name}}'\n    spec:\n      project: default\n      source: {repoURL: https://example.com/r, path: 'p-{{metadata.labels.region}}'}\n      destination: {server: '{{server}}', namespace: default}\n",
    ));
    assert_eq!(names(&e), ["c-prod-us"]);
    assert_eq!(source_path(&e, 0), "p-us-east-1");
}

const GO: &str = "  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n";

#[test]
fn go_mode_git_directories_with_functions_and_path_prefix() {
    let e = expand_yaml(&appset(
        GO,
        "    - git:\n        repoURL: https://github.com/myorg/k8s-manifests.git\n        revision: main\n        pathParamPrefix: src\n        directories: [{path: 'apps/*/overlays/staging'}]\n",
        "    metadata:\n      name: '{{ index .src.path.segments 1 | normalize }}-{{ .src.path.basename | upper | lower }}'\n      labels:\n        team: '{{ default \"none\" .team }}'\n    spec:\n      project: default\n      source: {repoURL: https://github.com/myorg/k8s-manifests.git, path: '{{ .src.path.path }}'}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{ if hasPrefix \"legacy\" (index .src.path.segments 1) }}legacy{{ else }}{{ trimSuffix \"-frontend\" (index .src.path.segments 1) }}{{ end }}'}\n",
    ));
    let all = messages(&e);
    // missingkey=error: `.team` is missing even inside `default`.
    assert!(e.has_error(), "{all}");
    assert!(all.contains("map has no entry for key \"team\""), "{all}");

    let relaxed = e_without_missing_key_error();
    assert!(!relaxed.has_error(), "{}", messages(&relaxed));
    assert_eq!(
        names(&relaxed),
        [
            "api-server-staging",
            "legacy-billing-staging",
            "web-frontend-staging"
        ]
    );
    let ns = |i: usize| {
        relaxed.apps[i]
            .app
            .spec
            .destination
            .clone()
            .and_then(|d| d.namespace)
            .unwrap_or_default()
    };
    assert_eq!([ns(0), ns(1), ns(2)], ["api-server", "legacy", "web"]);
    assert_eq!(
        relaxed.apps[0]
            .app
            .metadata
            .labels
            .get("team")
            .map(String::as_str),
        Some("none")
    );
    assert_eq!(
        source_path(&relaxed, 2),
        "apps/web-frontend/overlays/staging"
    );
    assert_eq!(
        relaxed.apps[0].origin.params["src"]["path"]["segments"][3],
        "staging"
    );
}

fn e_without_missing_key_error() -> Expansion {
    expand_yaml(&appset(
        "  goTemplate: true\n",
        "    - git:\n        repoURL: https://github.com/myorg/k8s-manifests.git\n        revision: main\n        pathParamPrefix: src\n        directories: [{path: 'apps/*/overlays/staging'}]\n",
        "    metadata:\n      name: '{{ index .src.path.segments 1 | normalize }}-{{ .src.path.basename | upper | lower }}'\n      labels:\n        team: '{{ default \"none\" .team }}'\n    spec:\n      project: default\n      source: {repoURL: https://github.com/myorg/k8s-manifests.git, path: '{{ .src.path.path }}'}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{ if hasPrefix \"legacy\" (index .src.path.segments 1) }}legacy{{ else }}{{ trimSuffix \"-frontend\" (index .src.path.segments 1) }}{{ end }}'}\n",
    ))
}

#[test]
fn go_mode_git_files_keep_nested_objects_and_numbers() {
    let e = expand_yaml(&appset(
        GO,
        "    - git:\n        repoURL: https://github.com/myorg/app-config.git\n        revision: main\n        files: [{path: 'environments/*/config.json'}]\n",
        "    metadata:\n      name: '{{ .app.name }}-{{ .path.basename }}'\n      annotations:\n        replicas: '{{ .replicas }}'\n        file: '{{ .path.filenameNormalized }}'\n    spec:\n      project: '{{ .app.project }}'\n      source: {repoURL: '{{ .app.repo }}', path: '{{ .app.path }}', targetRevision: '{{ .app.revision }}'}\n      destination: {server: '{{ .cluster.url }}', namespace: '{{ .app.namespace }}'}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["guestbook-production", "guestbook-staging"]);
    let annotations = &e.apps[0].app.metadata.annotations;
    assert_eq!(annotations.get("replicas").map(String::as_str), Some("3"));
    assert_eq!(
        annotations.get("file").map(String::as_str),
        Some("config.json")
    );
}

#[test]
fn go_mode_clusters_matrix_deep_merge_and_template_patch() {
    let e = expand_yaml(&appset(
        "  goTemplate: true\n  templatePatch: |\n    {{- if eq .metadata.labels.env \"production\" }}\n    spec:\n      syncPolicy:\n        automated: {prune: true}\n    {{- end }}\n",
        "    - matrix:\n        generators:\n          - clusters: {selector: {matchLabels: {monitoring: enabled}}}\n          - list: {elements: [{app: web, metadata: {labels: {env: ignored, tier: front}}}]}\n",
        "    metadata:\n      name: '{{ .app }}-{{ .name }}'\n    spec:\n      project: default\n      source: {repoURL: https://example.com/r, path: '{{ .metadata.labels.region }}/{{ .metadata.labels.tier }}/{{ .metadata.labels.env }}'}\n      destination: {server: '{{ .server }}', namespace: default}\n",
    ));
    assert!(!e.has_error(), "{}", messages(&e));
    assert_eq!(names(&e), ["web-prod-us", "web-prod-eu"]);
    // The first child's values win; maps from both children are merged.
    assert_eq!(source_path(&e, 0), "us-east-1/front/production");
    let policy = e.apps[0]
        .app
        .spec
        .sync_policy
        .clone()
        .expect("patched syncPolicy");
    assert!(policy.automated.is_some_and(|a| a.prune));
}

#[test]
fn finalizer_unless_preserved_or_set_by_the_template() {
    let list = "    - list: {elements: [{name: a, path: p}]}\n";
    let e = expand_yaml(&appset("", list, PLAIN_TEMPLATE));
    assert_eq!(e.apps[0].app.metadata.finalizers, [RESOURCES_FINALIZER]);
    let e = expand_yaml(&appset(
        "  syncPolicy: {preserveResourcesOnDeletion: true}\n",
        list,
        PLAIN_TEMPLATE,
    ));
    assert!(e.apps[0].app.metadata.finalizers.is_empty());
    let own = PLAIN_TEMPLATE.replace(
        "      name: 'app-{{name}}'\n",
        "      name: 'app-{{name}}'\n      finalizers: [example.com/mine]\n",
    );
    let e = expand_yaml(&appset("", list, &own));
    assert_eq!(e.apps[0].app.metadata.finalizers, ["example.com/mine"]);
}

#[test]
fn broken_go_template_gives_a_condition_naming_the_field() {
    let e = expand_yaml(&appset(
        "  goTemplate: true\n",
        "    - list: {elements: [{name: a}]}\n",
        "    metadata:\n      name: '{{ .name '\n    spec:\n      project: default\n      source: {repoURL: https://example.com/r, path: p}\n      destination: {server: https://kubernetes.default.svc, namespace: default}\n",
    ));
    assert!(e.apps.is_empty());
    let all = messages(&e);
    assert!(
        all.contains("ErrorOccurred True ApplicationGenerationFromParamsError"),
        "{all}"
    );
    assert!(all.contains("ApplicationSet test: spec.generators[0] (list): template.metadata.name: cannot parse template"), "{all}");
}

#[test]
fn unsupported_template_function_is_named() {
    let e = expand_yaml(&appset(
        "  goTemplate: true\n",
        "    - list: {elements: [{name: a}]}\n",
        "    metadata:\n      name: '{{ .name | sha256sum }}'\n    spec:\n      project: default\n      source: {repoURL: https://example.com/r, path: p}\n      destination: {server: https://kubernetes.default.svc, namespace: default}\n",
    ));
    assert!(e.has_error());
    assert!(messages(&e).contains("sha256sum"), "{}", messages(&e));
}

#[test]
fn unknown_generator_gives_a_clear_condition() {
    let e = expand_yaml(&appset(
        "",
        "    - lists: {elements: [{name: a, path: p}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(e.apps.is_empty());
    assert!(e.has_error());
    let all = messages(&e);
    assert!(
        all.contains(
            "ApplicationSet test: spec.generators[0] (lists): unknown generator \"lists\""
        ),
        "{all}"
    );
}

#[test]
fn duplicate_generated_names_are_an_error() {
    let e = expand_yaml(&appset(
        "",
        "    - list: {elements: [{name: a, path: p}, {name: a, path: q}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(e.apps.is_empty());
    assert!(
        messages(&e).contains("duplicate name: app-a"),
        "{}",
        messages(&e)
    );
}

#[test]
fn git_generator_with_unknown_repo_names_it() {
    let e = expand_yaml(&appset(
        "",
        "    - git: {repoURL: https://example.com/missing, revision: main, directories: [{path: '*'}]}\n",
        PLAIN_TEMPLATE,
    ));
    assert!(
        messages(&e).contains("git generator: cannot read https://example.com/missing at main"),
        "{}",
        messages(&e)
    );
}
