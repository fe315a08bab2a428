//! The catalog: which apps exist under a root folder, including app-of-apps
//! children, with cycles, duplicates and escaping paths reported.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use plumb::model::{Application, Object, Severity};
use plumb::source::RenderedObject;
use plumb::source::discovery::{Catalog, discover, load_single, manifest_files};

fn app_yaml(name: &str, path: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  source:
    repoURL: https://example.com/repo.git
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {name}
"
    )
}

fn app_object(name: &str, path: &str) -> Object {
    serde_yaml::from_str(&app_yaml(name, path)).expect("test YAML is valid")
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    fs::write(path, text).expect("write file");
}

fn no_children(_: &Application) -> Result<Vec<RenderedObject>, String> {
    Ok(Vec::new())
}

fn messages(catalog: &Catalog) -> Vec<String> {
    catalog
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn app_names(catalog: &Catalog) -> Vec<(&str, &str, Option<&str>)> {
    catalog
        .apps
        .iter()
        .map(|a| {
            (
                a.app.metadata.name.as_str(),
                a.file.as_str(),
                a.parent.as_deref(),
            )
        })
        .collect()
}

#[test]
fn walks_root_folder_sorted_skipping_hidden_and_non_manifests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "argocd/b/two.yml", &app_yaml("two", "b"));
    write(root, "argocd/a.yaml", &app_yaml("one", "a"));
    write(root, "argocd/.hidden/three.yaml", &app_yaml("three", "c"));
    write(root, "argocd/readme.md", "not yaml: [");
    write(
        root,
        "argocd/cm.json",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"}}"#,
    );
    write(root, "elsewhere/four.yaml", &app_yaml("four", "d"));
    let catalog = discover(root, "argocd", &mut no_children);
    assert_eq!(
        app_names(&catalog),
        [
            ("one", "argocd/a.yaml", None),
            ("two", "argocd/b/two.yml", None)
        ]
    );
    assert_eq!(
        messages(&catalog),
        ["argocd/cm.json:1: ConfigMap settings: not an Argo CD manifest; ignored"]
    );
    assert_eq!(catalog.diagnostics[0].severity, Severity::Warning);
    let projects: Vec<&str> = catalog
        .projects
        .iter()
        .map(|p| p.metadata.name.as_str())
        .collect();
    assert_eq!(
        projects,
        ["default"],
        "the default project is added when missing"
    );
}

#[test]
fn a_defined_default_project_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: default\nspec:\n  sourceRepos: [https://example.com/only.git]\n";
    write(dir.path(), "p.yaml", project);
    let catalog = discover(dir.path(), ".", &mut no_children);
    assert_eq!(catalog.projects.len(), 1);
    assert_eq!(
        catalog.projects[0].spec.source_repos,
        ["https://example.com/only.git"]
    );
}

#[cfg(unix)]
#[test]
fn escaping_symlinks_and_parent_paths_are_errors_and_not_followed() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "secret/app.yaml", &app_yaml("outside", "x"));
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "apps/inside.yaml", &app_yaml("inside", "x"));
    std::os::unix::fs::symlink(outside.path().join("secret"), root.join("apps/escape"))
        .expect("symlink");
    std::os::unix::fs::symlink(root.join("apps/inside.yaml"), root.join("apps/z-link.yaml"))
        .expect("symlink");
    let catalog = discover(root, "apps", &mut no_children);
    assert_eq!(app_names(&catalog), [("inside", "apps/inside.yaml", None)]);
    assert_eq!(
        messages(&catalog),
        [
            "apps/escape: symbolic link points outside the repository; not followed",
            "apps/z-link.yaml:1: Application inside: metadata.name: duplicate Application name; the one in apps/inside.yaml wins and this one is ignored",
        ]
    );
    let up = discover(root, "apps/../..", &mut no_children);
    assert!(up.apps.is_empty());
    assert_eq!(
        messages(&up),
        ["apps/../..: path leaves the repository; not read"]
    );
}

#[test]
fn duplicate_names_keep_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.yaml", &app_yaml("web", "first"));
    write(dir.path(), "b.yaml", &app_yaml("web", "second"));
    let catalog = discover(dir.path(), "", &mut no_children);
    assert_eq!(app_names(&catalog), [("web", "a.yaml", None)]);
    assert_eq!(
        messages(&catalog),
        [
            "b.yaml:1: Application web: metadata.name: duplicate Application name; the one in a.yaml wins and this one is ignored"
        ]
    );
}

#[test]
fn app_of_apps_children_recursively_with_parents() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "root.yaml", &app_yaml("root", "apps"));
    write(dir.path(), "apps/team.yaml", &app_yaml("team", "team"));
    let mut calls = Vec::new();
    let mut render = |app: &Application| -> Result<Vec<RenderedObject>, String> {
        calls.push(app.metadata.name.clone());
        let rendered = |name: &str, path: &str, file: &str| RenderedObject {
            object: app_object(name, path),
            source_file: file.to_owned(),
        };
        match app.metadata.name.as_str() {
            "root" => Ok(vec![
                rendered("team", "team", "apps/team.yaml"),
                rendered("broken", "broken", "apps/broken.yaml"),
                rendered("billing", "billing", "apps/billing.yaml"),
            ]),
            "team" => Ok(vec![rendered("team-api", "team/api", "team/api.yaml")]),
            "broken" => Err("kustomize build failed".into()),
            _ => Ok(vec![RenderedObject {
                object: serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}),
                source_file: "x.yaml".into(),
            }]),
        }
    };
    let catalog = discover(dir.path(), ".", &mut render);
    assert_eq!(
        app_names(&catalog),
        [
            ("team", "apps/team.yaml", Some("root")),
            ("root", "root.yaml", None),
            ("team-api", "team/api.yaml", Some("team")),
            ("broken", "apps/broken.yaml", Some("root")),
            ("billing", "apps/billing.yaml", Some("root")),
        ]
    );
    assert_eq!(
        messages(&catalog),
        [
            "apps/broken.yaml: Application broken: could not be rendered, so its child applications (if any) are unknown: kustomize build failed"
        ]
    );
    assert_eq!(
        calls,
        ["team", "team-api", "root", "broken", "billing"],
        "each app rendered once"
    );
}

#[test]
fn cycles_and_conflicting_children_are_errors_and_never_loop() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "root.yaml", &app_yaml("root", "apps"));
    let mut render = |app: &Application| -> Result<Vec<RenderedObject>, String> {
        let rendered = |name: &str, path: &str| RenderedObject {
            object: app_object(name, path),
            source_file: format!("apps/{name}.yaml"),
        };
        Ok(match app.metadata.name.as_str() {
            "root" => vec![rendered("a", "a")],
            "a" => vec![rendered("root", "apps"), rendered("b", "b")],
            "b" => vec![rendered("a", "somewhere-else")],
            _ => Vec::new(),
        })
    };
    let catalog = discover(dir.path(), "", &mut render);
    assert_eq!(
        app_names(&catalog),
        [
            ("root", "root.yaml", None),
            ("a", "apps/a.yaml", Some("root")),
            ("b", "apps/b.yaml", Some("a"))
        ]
    );
    assert_eq!(
        messages(&catalog),
        [
            "apps/root.yaml: Application root: app-of-apps cycle: root -> a -> root; not followed",
            "apps/a.yaml: Application a: app-of-apps cycle: root -> a -> b -> a; not followed",
        ]
    );
}

#[test]
fn a_child_named_like_another_app_elsewhere_is_a_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "root.yaml", &app_yaml("root", "apps"));
    write(dir.path(), "web.yaml", &app_yaml("web", "web"));
    let mut render = |app: &Application| -> Result<Vec<RenderedObject>, String> {
        Ok(match app.metadata.name.as_str() {
            "root" => vec![RenderedObject {
                object: app_object("web", "other"),
                source_file: "apps/web.yaml".into(),
            }],
            _ => Vec::new(),
        })
    };
    let catalog = discover(dir.path(), "", &mut render);
    assert_eq!(
        app_names(&catalog),
        [("root", "root.yaml", None), ("web", "web.yaml", None)]
    );
    assert_eq!(
        messages(&catalog),
        [
            "apps/web.yaml: Application web: duplicate Application name (reached via root -> web); the one in web.yaml wins and this one is ignored"
        ]
    );
}

#[test]
fn load_single_reads_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("app.yaml");
    fs::write(
        &file,
        format!("{}---\n{}", app_yaml("one", "a"), app_yaml("two", "b")),
    )
    .expect("write");
    let catalog = load_single(&file);
    let names: Vec<&str> = catalog
        .apps
        .iter()
        .map(|a| a.app.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["one", "two"]);
    assert!(catalog.diagnostics.is_empty());
    let missing = load_single(&dir.path().join("nope.yaml"));
    assert!(missing.apps.is_empty());
    assert!(missing.has_errors());
}

/// Renders an app the way plain-YAML rendering would: every document under
/// its source path in the same checkout.
fn render_plain(root: &Path, app: &Application) -> Result<Vec<RenderedObject>, String> {
    let path = app.spec.all_sources()[0].path.clone().unwrap_or_default();
    let (files, diagnostics) = manifest_files(root, &path);
    if let Some(d) = diagnostics.first() {
        return Err(d.to_string());
    }
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file.abs).map_err(|e| e.to_string())?;
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let object = Object::deserialize(doc).map_err(|e| e.to_string())?;
            out.push(RenderedObject {
                object,
                source_file: file.rel.clone(),
            });
        }
    }
    Ok(out)
}

#[test]
fn app_of_apps_fixture_repository_on_disk() {
    let root = Path::new("tests/fixtures/manifests/app-of-apps");
    let catalog = discover(root, "bootstrap", &mut |app| render_plain(root, app));
    assert_eq!(
        app_names(&catalog),
        [
            ("root", "bootstrap/root.yaml", None),
            ("team-a", "apps/team-a.yaml", Some("root")),
            ("api", "team-a/apps/api.yaml", Some("team-a")),
            ("web", "apps/web.yaml", Some("root")),
        ]
    );
    let projects: Vec<&str> = catalog
        .projects
        .iter()
        .map(|p| p.metadata.name.as_str())
        .collect();
    assert_eq!(projects, ["team", "default"]);
    assert_eq!(
        messages(&catalog),
        [
            "apps/web.yaml: Application web: spec.syncPolicy.automated.selfheal: unknown field; did you mean spec.syncPolicy.automated.selfHeal?"
        ]
    );
    assert_eq!(catalog.diagnostics_for("Application", "web").count(), 1);
    assert_eq!(catalog.diagnostics_for("Application", "api").count(), 0);
}

#[test]
fn a_root_app_that_manages_its_own_manifest_is_not_a_cycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "root/root.yaml", &app_yaml("root", "root"));
    write(dir.path(), "root/child.yaml", &app_yaml("child", "child"));
    write(
        dir.path(),
        "child/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    let root = dir.path().to_owned();
    let catalog = discover(&root, "root", &mut |app| render_plain(&root, app));
    assert_eq!(
        app_names(&catalog),
        [
            ("child", "root/child.yaml", Some("root")),
            ("root", "root/root.yaml", None)
        ]
    );
    assert!(catalog.diagnostics.is_empty(), "{:?}", messages(&catalog));
}
