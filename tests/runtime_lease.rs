//! The per-app operation lock in the destination cluster.

mod runtime_support;

use plumb::cluster::{LEASE_DURATION, LockError, SYSTEM_NAMESPACE, lease_name};
use plumb::model::ResourceKey;
use runtime_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_holder_is_refused_while_the_first_holds_the_lease() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    let first = cluster
        .acquire_lease("payments", "ana@laptop", LEASE_DURATION)
        .await
        .expect("first holder gets the lease");
    let refused = cluster
        .acquire_lease("payments", "bo@desk", LEASE_DURATION)
        .await
        .err()
        .expect("second holder refused");
    let LockError::Held { holder, .. } = &refused else {
        panic!("unexpected error {refused}");
    };
    assert_eq!(holder, "ana@laptop");
    assert!(
        refused
            .to_string()
            .starts_with("operation in progress, held by ana@laptop since 20"),
        "{refused}"
    );
    // Another app is not locked.
    let other = cluster
        .acquire_lease("orders", "bo@desk", LEASE_DURATION)
        .await
        .expect("other app free");
    other.release().await.unwrap();

    first.release().await.unwrap();
    let second = cluster
        .acquire_lease("payments", "bo@desk", LEASE_DURATION)
        .await
        .expect("free after release");
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_of_a_dead_holder_is_taken_over() {
    let sandbox = running_sandbox();
    let cluster = sandbox_cluster(&sandbox);
    cluster.ensure_system_namespace().await.unwrap();
    let stale = json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": lease_name("payments"), "namespace": SYSTEM_NAMESPACE},
        "spec": {"holderIdentity": "ghost@gone", "leaseDurationSeconds": 30,
            "acquireTime": "2020-01-01T00:00:00.000000Z",
            "renewTime": "2020-01-01T00:00:05.000000Z"}
    });
    cluster.create(&stale, false).await.unwrap();
    let lease = cluster
        .acquire_lease("payments", "bo@desk", LEASE_DURATION)
        .await
        .expect("expired lease taken over");
    let key = ResourceKey::new(
        "coordination.k8s.io",
        "Lease",
        SYSTEM_NAMESPACE,
        &lease_name("payments"),
    );
    let live = cluster.get(&key).await.unwrap().expect("lease exists");
    assert_eq!(live["spec"]["holderIdentity"], "bo@desk");
    lease.release().await.unwrap();
}
