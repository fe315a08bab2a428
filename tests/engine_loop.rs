//! The payments incident through the engine's Handle, against the
//! in-process sandbox with its controllers: sync, drift healed by
//! self-heal, drift kept by a freeze, rollback with its preview, the lease
//! refused to a second plumb, and an interrupted operation recovered.

mod cli_support;
mod engine_loop_support;
mod runtime_support;

use std::time::Duration;

use engine_loop_support::{Setup, app, healed_by, is, manifests, notice, sync, wait_for};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use plumb::engine::compare::{ConditionType, SyncStatus};
use plumb::engine::health::HealthStatus;
use plumb::engine::reconcile::Engine;
use plumb::engine::snapshot::{Command, NoticeLevel, TimelineSource};
use plumb::engine::store::{INTERRUPTED, Store};
use plumb::engine::sync::{OperationPhase, SyncOperation, SyncRequest};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payments_incident_through_the_handle() {
    let setup = Setup::new();
    let handle = Engine::spawn(setup.config("ana@laptop"));
    let mut notices = handle.notices();
    wait_for(&handle, "the first comparison", 20, |s| !s.loading).await;

    handle.send(sync()).await.expect("sent");
    let synced = wait_for(&handle, "Synced and Healthy", 30, |s| {
        is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    assert_eq!(app(&synced).history.len(), 1);
    let first_revision = app(&synced).history[0].revision.clone();

    handle
        .send(Command::SetAutoSync {
            app: "payments".into(),
            auto_sync: Some(true),
            self_heal: Some(true),
        })
        .await
        .expect("sent");
    wait_for(&handle, "auto-sync on", 10, |s| {
        app(s).auto_sync && app(s).self_heal
    })
    .await;

    setup.scale(5).await;
    let healed = notice(&mut notices, "of self-heal", |n| {
        n.message.starts_with("self-heal")
    })
    .await;
    assert_eq!(
        healed.message,
        "self-heal: reverting Deployment payments/payments (spec.replicas 5 → 3), attempt 1"
    );
    wait_for(&handle, "healed", 20, |s| healed_by(s, 1)).await;
    assert_eq!(setup.replicas().await, 3);

    handle
        .send(Command::Freeze {
            app: Some("payments".into()),
            reason: "INC-42: payments incident".into(),
        })
        .await
        .expect("sent");
    wait_for(&handle, "frozen", 10, |s| app(s).freeze.is_some()).await;
    setup.scale(5).await;
    let frozen = notice(&mut notices, "of the freeze", |n| {
        n.message.starts_with("frozen")
    })
    .await;
    assert_eq!(
        frozen.message,
        "frozen: drift kept (INC-42: payments incident)"
    );
    assert_eq!(frozen.level, NoticeLevel::Warning);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(setup.replicas().await, 5, "a freeze keeps the drift");
    let drifted = handle.snapshot();
    assert_eq!(
        app(&drifted).comparison.as_ref().map(|c| c.sync),
        Some(SyncStatus::OutOfSync)
    );

    handle
        .send(Command::Unfreeze {
            app: Some("payments".into()),
        })
        .await
        .expect("sent");
    let healed = notice(&mut notices, "of self-heal after the freeze", |n| {
        n.message.starts_with("self-heal")
    })
    .await;
    assert!(healed.message.ends_with("attempt 2"), "{}", healed.message);
    wait_for(&handle, "healed after the freeze", 20, |s| healed_by(s, 2)).await;
    assert_eq!(setup.replicas().await, 3);

    setup
        .repo
        .write("deploy/payments.yaml", &manifests("degraded"));
    setup.repo.commit("payments: degraded mode");
    handle
        .send(Command::Refresh {
            app: None,
            hard: true,
        })
        .await
        .expect("sent");
    notice(
        &mut notices,
        "of the automated sync of the new commit",
        |n| n.message.starts_with("auto-sync: syncing payments"),
    )
    .await;
    let moved = wait_for(&handle, "the new commit deployed", 30, |s| {
        app(s).history.len() == 2 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    assert_ne!(app(&moved).history[1].revision, first_revision);

    let first_id = app(&moved).history[0].id;
    handle
        .send(Command::Preview {
            app: "payments".into(),
            id: Some(first_id),
        })
        .await
        .expect("sent");
    let previewed = wait_for(&handle, "the rollback preview", 15, |s| {
        app(s).preview.is_some()
    })
    .await;
    let preview = app(&previewed).preview.clone().expect("preview");
    assert_eq!(preview.revision, first_revision);
    let comparison = preview.comparison.as_ref().expect("the entry renders");
    let config = comparison
        .resources
        .iter()
        .find(|r| r.key.kind == "ConfigMap")
        .expect("the ConfigMap compared");
    assert_eq!(
        config.status,
        Some(SyncStatus::OutOfSync),
        "the rollback would change it"
    );

    handle
        .send(Command::Rollback {
            app: "payments".into(),
            id: Some(first_id),
            disable_auto_sync: true,
            prune: false,
            dry_run: false,
        })
        .await
        .expect("sent");
    let rolled = wait_for(&handle, "the rollback recorded", 30, |s| {
        app(s).history.len() == 3 && app(s).operation.is_none()
    })
    .await;
    let view = app(&rolled);
    assert_eq!(view.history[2].revision, first_revision);
    assert!(view.auto_sync_paused.is_some(), "rollback pauses auto-sync");
    assert!(!view.auto_sync);
    let configs: Api<ConfigMap> = Api::namespaced(setup.sandbox.client(), "payments");
    let live = configs.get("payments-config").await.expect("config map");
    let mode = live.data.unwrap_or_default().remove("mode");
    assert_eq!(
        mode.as_deref(),
        Some("live"),
        "the rollback restored the first commit"
    );
    let timeline = &view.timeline;
    assert!(
        timeline.iter().any(|e| e.reason == "OperationSucceeded"),
        "plumb's operations in the timeline: {timeline:?}"
    );
    let kube = |kind: &str, reason: &str| {
        timeline.iter().any(|e| {
            e.source == TimelineSource::Kubernetes
                && e.reason == reason
                && e.object.as_ref().is_some_and(|o| o.kind == kind)
        })
    };
    assert!(
        kube("Deployment", "ScalingReplicaSet") && kube("Pod", "Scheduled"),
        "the cluster's events about the app's objects and their pods: {timeline:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_plumb_is_refused_the_lease_while_the_first_syncs() {
    let setup = Setup::new();
    let ana = Engine::spawn(setup.config("ana@laptop").with_wave_delay_seconds(3));
    let bob = Engine::spawn(setup.config("bob@desk"));
    let mut bob_notices = bob.notices();
    wait_for(&ana, "ana's comparison", 20, |s| !s.loading).await;
    wait_for(&bob, "bob's comparison", 20, |s| !s.loading).await;

    ana.send(sync()).await.expect("sent");
    wait_for(&ana, "ana's first sync", 30, |s| {
        app(s).history.len() == 1 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;
    wait_for(&bob, "ana's sync in bob's history", 10, |s| {
        app(s).history.len() == 1
    })
    .await;

    ana.send(sync()).await.expect("sent");
    let running = wait_for(&ana, "ana's operation past its first wave", 10, |s| {
        app(s).operation.as_ref().is_some_and(|op| {
            op.operation
                .tasks
                .iter()
                .any(|t| t.wave == 0 && t.result.is_some())
        })
    })
    .await;
    let op = app(&running).operation.clone().expect("running");
    assert_eq!(op.phase, OperationPhase::Running);
    let waves: Vec<i32> = op.plan.groups.iter().map(|g| g.wave).collect();
    assert!(waves.contains(&0) && waves.contains(&1), "{waves:?}");
    assert!(
        op.operation
            .tasks
            .iter()
            .any(|t| t.wave == 1 && t.result.is_none()),
        "published between the waves"
    );
    wait_for(&bob, "ana's operation seen by bob", 10, |s| {
        app(s)
            .operation
            .as_ref()
            .is_some_and(|op| op.holder == "ana@laptop")
    })
    .await;
    bob.send(sync()).await.expect("sent");
    let refused = notice(&mut bob_notices, "of the refusal", |n| {
        n.level == NoticeLevel::Error
    })
    .await;
    assert_eq!(refused.app.as_deref(), Some("payments"));
    assert!(
        refused.message.starts_with(&format!(
            "cannot sync payments: operation in progress, held by ana@laptop (pid {}) since ",
            std::process::id()
        )),
        "{}",
        refused.message
    );
    wait_for(&ana, "ana's second sync done", 30, |s| {
        app(s).history.len() == 2 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;

    bob.send(Command::Freeze {
        app: None,
        reason: "change freeze".into(),
    })
    .await
    .expect("sent");
    let frozen = wait_for(&ana, "bob's global freeze seen by ana", 10, |s| {
        s.global_freeze.is_some()
    })
    .await;
    let freeze = frozen.global_freeze.clone().expect("frozen");
    assert_eq!(
        (freeze.reason.as_str(), freeze.by.as_str()),
        ("change freeze", "bob@desk")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_left_by_a_dead_plumb_shows_as_interrupted() {
    let setup = Setup::new();
    let cluster = setup.clusters.all()[0].clone();
    let lease = cluster
        .acquire_lease("payments", "ghost@gone", Duration::from_secs(1))
        .await
        .expect("lease");
    let op = SyncOperation::start(
        "payments",
        "payments",
        SyncRequest::new(
            "0123456789abcdef0123456789abcdef01234567",
            jiff::Timestamp::now(),
        ),
        Vec::new(),
        false,
    );
    Store::new(cluster.clone())
        .begin_operation("payments", &op)
        .await
        .expect("stored");
    drop(lease);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let handle = Engine::spawn(setup.config("ana@laptop"));
    let recovered = wait_for(&handle, "the interrupted operation", 20, |s| {
        app(s).last_operation.is_some()
    })
    .await;
    let last = app(&recovered).last_operation.clone().expect("last");
    assert_eq!(last.message, INTERRUPTED);
    assert!(app(&recovered).operation.is_none());
    assert!(
        app(&recovered)
            .timeline
            .iter()
            .any(|e| e.reason == "OperationInterrupted")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automated_sync_refuses_to_wipe_out_every_resource() {
    let setup = Setup::with_policy("    automated: {prune: true}\n");
    let handle = Engine::spawn(setup.config("ana@laptop"));
    let mut notices = handle.notices();
    notice(&mut notices, "of the first automated sync", |n| {
        n.message.starts_with("auto-sync: syncing payments")
    })
    .await;
    wait_for(&handle, "the automated sync", 30, |s| {
        app(s).history.len() == 1 && is(s, SyncStatus::Synced, HealthStatus::Healthy)
    })
    .await;

    setup.repo.write("deploy/payments.yaml", "");
    setup.repo.commit("payments: nothing left");
    handle
        .send(Command::Refresh {
            app: None,
            hard: true,
        })
        .await
        .expect("sent");
    let refused = notice(&mut notices, "of the refusal", |n| {
        n.level == NoticeLevel::Error
    })
    .await;
    assert!(
        refused
            .message
            .starts_with("auto-sync of payments: Skipping sync attempt to [")
            && refused
                .message
                .ends_with("]: auto-sync will wipe out all resources"),
        "{}",
        refused.message
    );
    let shown = wait_for(&handle, "the SyncError condition", 10, |s| {
        app(s).comparison.as_ref().is_some_and(|c| {
            c.conditions
                .iter()
                .any(|c| c.kind == ConditionType::SyncError)
        })
    })
    .await;
    assert_eq!(app(&shown).history.len(), 1, "nothing synced");
    assert_eq!(setup.replicas().await, 3, "nothing pruned");
}
