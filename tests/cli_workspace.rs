//! The workspace entry points the console and the benchmark use, over the
//! demo repository: an app's history for the history pane, and rendering many
//! apps in parallel.

use std::collections::BTreeMap;

use plumb::source::demo::{DEMO_REPO_URL, DEMO_ROOT_PATH, ensure_demo_repo};
use plumb::source::discovery::Catalog;
use plumb::source::workspace::{RootSpec, Workspace, WorkspaceError};

struct Demo {
    _home: tempfile::TempDir,
    workspace: Workspace,
    catalog: Catalog,
}

fn demo() -> Demo {
    let home = tempfile::tempdir().expect("tempdir");
    let repo = ensure_demo_repo(&home.path().join("data")).expect("demo repo");
    let mirrors = BTreeMap::from([(DEMO_REPO_URL.to_owned(), repo.display().to_string())]);
    let workspace = Workspace::new(&home.path().join("cache"), mirrors);
    let catalog = workspace
        .catalog(&RootSpec::Repo {
            repo: DEMO_REPO_URL.into(),
            revision: "HEAD".into(),
            path: DEMO_ROOT_PATH.into(),
        })
        .expect("catalog");
    Demo {
        _home: home,
        workspace,
        catalog,
    }
}

fn subjects_and_authors(demo: &Demo, app: &str, limit: usize) -> Vec<(String, String, String)> {
    let app = &demo.catalog.app(app).expect("app in catalog").app;
    demo.workspace
        .app_history(app, limit)
        .expect("history")
        .into_iter()
        .map(|c| {
            assert_eq!(c.sha.len(), 40, "full sha");
            (c.subject, c.author_name, c.author_email)
        })
        .collect()
}

#[test]
fn app_history_lists_the_commits_that_touched_the_app_path() {
    let demo = demo();
    assert_eq!(
        subjects_and_authors(&demo, "payments", 10),
        [
            (
                "deploy: payments v2.1.0".to_owned(),
                "ci-bot".to_owned(),
                "ci-bot@acme-corp.example".to_owned()
            ),
            (
                "bootstrap: app-of-apps root, payments project and service".to_owned(),
                "Priya Raman".to_owned(),
                "priya@acme-corp.example".to_owned()
            ),
        ]
    );
    let checkout: Vec<String> = subjects_and_authors(&demo, "checkout", 10)
        .into_iter()
        .map(|(subject, _, _)| subject)
        .collect();
    assert_eq!(
        checkout,
        ["checkout: deployment, service and HPA"],
        "the later change to the Application file is not in the app path"
    );
}

#[test]
fn app_history_respects_the_limit_and_dates_ascend_into_the_past() {
    let demo = demo();
    let app = &demo.catalog.app("payments").expect("payments").app;
    let all = demo.workspace.app_history(app, 10).expect("history");
    assert!(all[0].date > all[1].date, "newest first");
    let newest = demo.workspace.app_history(app, 1).expect("history");
    assert_eq!(newest, all[..1]);
}

#[test]
fn app_history_of_an_escaping_path_is_an_error() {
    let demo = demo();
    let mut app = demo.catalog.app("orders").expect("orders").app.clone();
    if let Some(source) = app.spec.source.as_mut() {
        source.path = Some("../outside".into());
    }
    let err = demo.workspace.app_history(&app, 5).expect_err("refused");
    assert!(matches!(err, WorkspaceError::Path { .. }), "{err:?}");
    assert!(err.to_string().contains("orders"), "{err}");
}

#[test]
fn render_all_equals_rendering_each_app_in_order() {
    let demo = demo();
    let mut apps: Vec<_> = demo.catalog.apps.iter().map(|a| a.app.clone()).collect();
    let mut broken = apps[0].clone();
    broken.metadata.name = "broken".into();
    if let Some(source) = broken.spec.source.as_mut() {
        source.path = Some("apps/does-not-exist".into());
    }
    apps.insert(2, broken);

    let together = demo.workspace.render_all(&apps, true, 2);
    assert_eq!(together.len(), apps.len());
    for (app, result) in apps.iter().zip(&together) {
        let alone = demo.workspace.render_app(app, true);
        match (result, alone) {
            (Ok(parallel), Ok(single)) => {
                assert_eq!(parallel.objects, single.objects, "{}", app.metadata.name);
                assert_eq!(parallel.revisions, single.revisions);
            }
            (Err(parallel), Err(single)) => {
                assert_eq!(parallel.to_string(), single.to_string());
            }
            (parallel, single) => panic!(
                "{}: parallel {:?} vs single {:?}",
                app.metadata.name,
                parallel.is_ok(),
                single.is_ok()
            ),
        }
    }
    let failed: Vec<usize> = together
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.is_err().then_some(i))
        .collect();
    assert_eq!(failed, [2], "only the broken app fails");
}
