//! One of everything at once: the controllers converge, stay quiet when
//! nothing changes, and only wake up for what is still due.

use serde_json::json;

use super::{deployment, job};
use crate::sandbox::controllers::testing::FakeCluster;
use crate::sandbox::controllers::{next_wakeup, reconcile};

fn everything(cluster: &mut FakeCluster) {
    cluster.create(deployment("web", 3, "nginx:1"));
    cluster.create(deployment("broken", 1, "example/crashloop"));
    cluster.create(job("migrate", "migrate:1"));
    cluster.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "namespace": "shop"},
        "spec": {"type": "LoadBalancer"}}));
    cluster.create(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "shop"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}));
}

#[test]
fn no_writes_without_change_and_wakeups_only_for_pending_work() {
    let mut cluster = FakeCluster::new();
    everything(&mut cluster);
    cluster.run_for(120);
    assert!(reconcile(&cluster, cluster.now).is_empty());
    // Only the crash-looping container still has something scheduled.
    let wake = next_wakeup(&cluster, cluster.now).expect("crash back-off continues");
    assert!(wake > cluster.now);
    cluster.now = wake;
    let actions = reconcile(&cluster, cluster.now);
    assert!(!actions.is_empty());
    assert!(actions.iter().all(|a| match a {
        crate::sandbox::controllers::Action::UpdateStatus { object, .. }
        | crate::sandbox::controllers::Action::Update { object, .. }
        | crate::sandbox::controllers::Action::UpdateScale { object, .. }
        | crate::sandbox::controllers::Action::Create { object, .. } => {
            let text = object.to_string();
            text.contains("broken") || object["kind"] == "Event"
        }
        crate::sandbox::controllers::Action::Delete { .. } => false,
    }));
}

#[test]
fn same_world_same_answer() {
    let mut a = FakeCluster::new();
    let mut b = FakeCluster::new();
    everything(&mut a);
    everything(&mut b);
    a.run_for(45);
    b.run_for(45);
    assert_eq!(a.objects, b.objects);
}
