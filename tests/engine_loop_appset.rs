//! ApplicationSet `applicationsSync` and `preserveResourcesOnDeletion`
//! through the engine's Handle, against the in-process sandbox: a
//! create-only app keeps the spec of its first sync (with a warning the
//! console shows) when its template changes, stays listed from that record
//! when it stops being generated (also in an engine started afterwards),
//! and under create-delete goes, leaving its objects in the cluster.

mod cli_support;
mod engine_loop_support;
mod runtime_support;

use cli_support::{web_appset, web_config_map};
use engine_loop_support::{Setup, notice, wait_for};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use plumb::engine::compare::{ConditionType, SyncStatus};
use plumb::engine::reconcile::Engine;
use plumb::engine::snapshot::{AppView, Command, NoticeLevel, Snapshot, SyncCommand};

fn web(snapshot: &Snapshot) -> Option<&AppView> {
    snapshot.app("web-dev").map(|view| view.as_ref())
}

fn path(view: &AppView) -> Option<String> {
    view.app
        .spec
        .all_sources()
        .first()
        .and_then(|s| s.path.clone())
}

fn warned(view: &AppView) -> bool {
    view.comparison.as_ref().is_some_and(|c| {
        c.conditions
            .iter()
            .any(|c| c.kind == ConditionType::ApplicationSetWarning)
    })
}

fn synced(view: &AppView) -> bool {
    view.operation.is_none()
        && view
            .comparison
            .as_ref()
            .is_some_and(|c| c.sync == SyncStatus::Synced)
}

async fn refresh(
    setup: &Setup,
    handle: &plumb::engine::snapshot::Handle,
    policy: &str,
    elements: &str,
    p: &str,
) {
    setup.repo.write(
        "apps/web.yaml",
        &web_appset(setup.repo.url(), p, policy, elements),
    );
    setup.repo.commit("web template changed");
    let command = Command::Refresh {
        app: None,
        hard: true,
    };
    handle.send(command).await.expect("sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_keeps_its_first_spec_and_its_dropped_app_and_create_delete_lets_it_go() {
    let setup = Setup::new();
    let url = setup.repo.url().to_owned();
    setup
        .repo
        .write("web/v1/cm.yaml", &web_config_map("web-v1"))
        .write("web/v2/cm.yaml", &web_config_map("web-v2"))
        .write(
            "apps/web.yaml",
            &web_appset(&url, "web/v1", "create-only", "[{env: dev}]"),
        );
    setup.repo.commit("web");
    let handle = Engine::spawn(setup.config("ana@laptop"));
    let mut notices = handle.notices();
    wait_for(&handle, "the first comparison", 20, |s| !s.loading).await;

    let sync = Command::Sync {
        app: "web-dev".into(),
        options: SyncCommand::default(),
    };
    handle.send(sync).await.expect("sent");
    wait_for(&handle, "web-dev synced", 30, |s| {
        web(s).is_some_and(|v| synced(v) && !v.history.is_empty())
    })
    .await;

    refresh(&setup, &handle, "create-only", "[{env: dev}]", "web/v2").await;
    let warning = notice(&mut notices, "of the kept spec", |n| {
        n.app.as_deref() == Some("web-dev") && n.level == NoticeLevel::Warning
    })
    .await;
    assert!(
        warning.message.starts_with(
            "ApplicationSet web (applicationsSync: create-only): the template changed"
        ),
        "{}",
        warning.message
    );
    let kept = wait_for(&handle, "web-dev kept and warned", 20, |s| {
        web(s).is_some_and(|v| warned(v) && synced(v))
    })
    .await;
    let view = web(&kept).expect("listed");
    assert_eq!(path(view).as_deref(), Some("web/v1"));

    refresh(&setup, &handle, "create-only", "[]", "web/v2").await;
    let dropped = |s: &Snapshot| {
        web(s).is_some_and(|v| {
            synced(v)
                && v.comparison.as_ref().is_some_and(|c| {
                    c.conditions.iter().any(|c| {
                        c.kind == ConditionType::ApplicationSetWarning
                            && c.message.contains("no longer generates this app")
                    })
                })
        })
    };
    let kept = wait_for(
        &handle,
        "web-dev kept though no longer generated",
        20,
        dropped,
    )
    .await;
    let view = web(&kept).expect("listed");
    assert_eq!(path(view).as_deref(), Some("web/v1"));
    assert_eq!(view.appset.as_deref(), Some("web"));
    drop(handle);

    let restarted = Engine::spawn(setup.config("ana@laptop"));
    wait_for(
        &restarted,
        "web-dev listed again from its record",
        20,
        dropped,
    )
    .await;

    let config_maps: Api<ConfigMap> = Api::namespaced(setup.sandbox.client(), "web");
    refresh(&setup, &restarted, "create-delete", "[]", "web/v2").await;
    wait_for(&restarted, "web-dev no longer listed", 20, |s| {
        web(s).is_none()
    })
    .await;
    // Settle the loop a little so anything it would do to the app's
    // objects has happened.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let left = config_maps
        .get_opt("web-v1")
        .await
        .expect("read the sandbox");
    assert!(left.is_some(), "web-v1 was deleted with its app");
}
