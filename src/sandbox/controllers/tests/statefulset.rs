use serde_json::{Value, json};

use super::pod_template;
use crate::sandbox::controllers::testing::FakeCluster;

fn statefulset(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "replicas": replicas, "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": pod_template("db", "postgres:16", "Always"),
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10
        }
    })
}

fn pod_names(cluster: &FakeCluster) -> Vec<String> {
    cluster
        .all("", "Pod")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn pods_start_in_order_with_claims() {
    let mut cluster = FakeCluster::new();
    cluster.create(statefulset(3));
    cluster.settle();
    assert_eq!(
        pod_names(&cluster),
        ["db-0"],
        "db-1 waits for db-0 to be ready"
    );
    let claim = cluster.get_obj("", "PersistentVolumeClaim", "shop", "data-db-0");
    assert_eq!(claim["metadata"]["labels"]["app"], "db");
    let pod = cluster.get_obj("", "Pod", "shop", "db-0");
    assert_eq!(
        pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "data-db-0"
    );
    assert_eq!(
        pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
        "db-0"
    );
    cluster.run_for(2);
    assert_eq!(pod_names(&cluster), ["db-0", "db-1"]);
    cluster.run_for(10);
    assert_eq!(pod_names(&cluster), ["db-0", "db-1", "db-2"]);
    let sts = cluster.get_obj("apps", "StatefulSet", "shop", "db");
    let status = &sts["status"];
    assert_eq!(status["replicas"], 3);
    assert_eq!(status["readyReplicas"], 3);
    assert_eq!(status["availableReplicas"], 3);
    assert_eq!(status["currentReplicas"], 3);
    assert_eq!(status["updatedReplicas"], 3);
    assert_eq!(status["observedGeneration"], 1);
    assert_eq!(status["currentRevision"], status["updateRevision"]);
    assert!(
        status["currentRevision"]
            .as_str()
            .unwrap()
            .starts_with("db-")
    );
    let claim = cluster.get_obj("", "PersistentVolumeClaim", "shop", "data-db-2");
    assert_eq!(claim["status"]["phase"], "Bound");
    let created = cluster.events_with_reason("SuccessfulCreate");
    assert!(
        created
            .iter()
            .any(|e| e["message"] == "create Pod db-1 in StatefulSet db successful")
    );
    assert!(
        created
            .iter()
            .any(|e| e["message"] == "create Claim data-db-1 Pod db-1 in StatefulSet db success")
    );
}

#[test]
fn rolling_update_goes_from_highest_ordinal_and_scale_down_removes_last() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(statefulset(3));
    cluster.run_for(20);
    let old_revision =
        cluster.get_obj("apps", "StatefulSet", "shop", "db")["status"]["currentRevision"].clone();
    cluster.edit(&key, |s| {
        s["spec"]["template"]["spec"]["containers"][0]["image"] = json!("postgres:17")
    });
    cluster.settle();
    let sts = cluster.get_obj("apps", "StatefulSet", "shop", "db");
    let update_revision = sts["status"]["updateRevision"].clone();
    let revision_of = |c: &FakeCluster, n: &str| {
        c.get_obj("", "Pod", "shop", n)["metadata"]["labels"]["controller-revision-hash"].clone()
    };
    assert_eq!(
        revision_of(&cluster, "db-2"),
        update_revision,
        "db-2 is replaced first"
    );
    assert_eq!(revision_of(&cluster, "db-1"), old_revision);
    assert_eq!(
        cluster.get_obj("", "Pod", "shop", "db-2")["status"]["phase"],
        "Pending"
    );
    assert_eq!(sts["status"]["currentRevision"], old_revision);
    assert_ne!(sts["status"]["updateRevision"], old_revision);
    cluster.run_for(30);
    let sts = cluster.get_obj("apps", "StatefulSet", "shop", "db");
    assert_eq!(sts["status"]["updatedReplicas"], 3);
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    cluster.edit(&key, |s| s["spec"]["replicas"] = json!(1));
    // One pass removes only the highest ordinal.
    let actions = crate::sandbox::controllers::reconcile(&cluster, cluster.now);
    let deleted: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            crate::sandbox::controllers::Action::Delete { key, .. } => Some(key.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, ["db-2"]);
    cluster.settle();
    assert_eq!(pod_names(&cluster), ["db-0"]);
    let deletes = cluster.events_with_reason("SuccessfulDelete");
    assert!(
        deletes
            .iter()
            .any(|e| e["message"] == "delete Pod db-1 in StatefulSet db successful")
    );
}
