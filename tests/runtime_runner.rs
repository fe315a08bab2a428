//! The runner performs sync operations against the sandbox.

mod runtime_support;

use plumb::cluster::FIELD_MANAGER;
use plumb::engine::sync::{OperationPhase, Resource};
use plumb::model::ResourceKey;
use plumb::sandbox::faults::{FaultEffect, FaultRule};
use runtime_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_creates_objects_in_waves_with_hooks_and_reports_healthy() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let runner = runner(cluster.clone());
    let resources = vec![
        Resource::desired(config_map("shop", "settings", -1)),
        Resource::desired(deployment("shop", "web", 2, 1)),
        Resource::desired(hook_job("shop", "migrate", "PreSync")),
    ];
    let op = sync(&runner, "shop", resources).await;
    assert_eq!(op.phase(), OperationPhase::Succeeded, "{}", op.message());

    let web = cluster
        .get(&ResourceKey::new("apps", "Deployment", "shop", "web"))
        .await
        .unwrap()
        .expect("web exists");
    let managers: Vec<&str> = web["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&FIELD_MANAGER), "{managers:?}");
    assert!(
        cluster
            .get(&ResourceKey::new("", "Namespace", "", "shop"))
            .await
            .unwrap()
            .is_some(),
        "CreateNamespace made the namespace"
    );
    let messages: Vec<&str> = op.tasks.iter().map(|t| t.message.as_str()).collect();
    assert!(
        messages.contains(&"deployment.apps/web created"),
        "{messages:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_of_unchanged_objects_says_unchanged() {
    let sandbox = running_sandbox();
    let runner = runner(sandbox_cluster(&sandbox));
    let first = sync(
        &runner,
        "calm",
        vec![Resource::desired(config_map("calm", "a", 0))],
    )
    .await;
    assert_eq!(
        first.phase(),
        OperationPhase::Succeeded,
        "{}",
        first.message()
    );
    let second = sync(
        &runner,
        "calm",
        vec![Resource::desired(config_map("calm", "a", 0))],
    )
    .await;
    assert_eq!(second.phase(), OperationPhase::Succeeded);
    let messages: Vec<&str> = second.tasks.iter().map(|t| t.message.as_str()).collect();
    assert!(messages.contains(&"configmap/a unchanged"), "{messages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_write_faults_are_retried_through() {
    let sandbox = running_sandbox();
    for effect in [
        FaultEffect::Error(500),
        FaultEffect::Error(409),
        FaultEffect::TooManyRequests { retry_after: 0 },
    ] {
        for verb in ["create", "update", "patch", "delete"] {
            sandbox.faults().add(FaultRule {
                verb: Some(verb.into()),
                kind: None,
                rate: 0.033,
                effect: effect.clone(),
            });
        }
    }
    let runner = runner(sandbox_cluster(&sandbox));
    let resources: Vec<Resource> = (0..30)
        .map(|i| Resource::desired(config_map("noisy", &format!("cm-{i}"), i % 3)))
        .collect();
    let op = sync(&runner, "noisy", resources).await;
    assert_eq!(op.phase(), OperationPhase::Succeeded, "{}", op.message());
}
