//! The benchmark shape (not timed): a matrix of a git-directories generator
//! over a 200-folder repository and a 10-environment list gives 2,000 apps.

mod appset_support;

use std::path::PathBuf;

use appset_support::{appset_from_yaml, messages};
use plumb::engine::appset::{ClusterInfo, GeneratorContext, expand_all};

#[test]
fn two_thousand_apps_from_two_hundred_directories() {
    let repo = tempfile::tempdir().expect("tempdir");
    for i in 0..200 {
        let dir = repo.path().join(format!("apps/svc-{i:03}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("kustomization.yaml"), "resources: []\n").expect("write");
    }
    let envs: String = (0..10)
        .map(|e| format!("                - {{env: env-{e}}}\n"))
        .collect();
    let appset = appset_from_yaml(&format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: fleet, namespace: argocd}}\nspec:\n  generators:\n    - matrix:\n        generators:\n          - git: {{repoURL: https://example.com/fleet, revision: HEAD, directories: [{{path: 'apps/*'}}]}}\n          - list:\n              elements:\n{envs}  template:\n    metadata: {{name: '{{{{path.basename}}}}-{{{{env}}}}'}}\n    spec:\n      project: default\n      source: {{repoURL: https://example.com/fleet, path: '{{{{path}}}}'}}\n      destination: {{server: https://kubernetes.default.svc, namespace: '{{{{env}}}}'}}\n"
    ));
    let root: PathBuf = repo.path().to_path_buf();
    let repo_dir = move |_: &str, _: &str| -> Result<PathBuf, String> { Ok(root.clone()) };
    let clusters = [ClusterInfo::in_cluster()];
    let ctx = GeneratorContext {
        clusters: &clusters,
        repo_dir: &repo_dir,
    };
    let expansions = expand_all(&[appset], &ctx);
    assert_eq!(expansions.len(), 1);
    let e = &expansions[0];
    assert!(!e.has_error(), "{}", messages(e));
    assert_eq!(e.apps.len(), 2000);
    assert_eq!(e.apps[0].app.metadata.name, "svc-000-env-0");
    assert_eq!(e.apps[1999].app.metadata.name, "svc-199-env-9");
}
