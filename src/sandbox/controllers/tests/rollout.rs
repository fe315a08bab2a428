//! Deployment details: the first pass, scaling, Recreate, rollback, event shape.

use serde_json::json;

use super::{condition, deployment};
use crate::sandbox::controllers::testing::FakeCluster;
use crate::sandbox::controllers::{Action, reconcile};

#[test]
fn first_pass_creates_the_replica_set_and_says_so() {
    let mut cluster = FakeCluster::new();
    cluster.create(deployment("web", 3, "nginx:1.25"));
    let actions = reconcile(&cluster, cluster.now);
    let created: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Create { manager, object } => {
                Some((manager.as_str(), object["kind"].as_str().unwrap()))
            }
            _ => None,
        })
        .collect();
    assert!(created.contains(&("kube-controller-manager", "ReplicaSet")));
    assert!(created.contains(&("kube-controller-manager", "Event")));
    let status = actions
        .iter()
        .find_map(|a| match a {
            Action::UpdateStatus { object, .. } if object["kind"] == "Deployment" => {
                Some(object.clone())
            }
            _ => None,
        })
        .expect("deployment status written");
    let progressing = condition(&status, "Progressing");
    assert_eq!(progressing["reason"], "NewReplicaSetCreated");
    assert!(
        progressing["message"]
            .as_str()
            .unwrap()
            .starts_with("Created new replica set \"web-")
    );
    assert_eq!(progressing["lastUpdateTime"], "2026-01-01T00:00:00Z");
    assert_eq!(
        condition(&status, "Available")["reason"],
        "MinimumReplicasUnavailable"
    );
    for action in actions {
        cluster.apply(action);
    }
    let event = cluster.events_with_reason("ScalingReplicaSet")[0].clone();
    let name = event["metadata"]["name"].as_str().unwrap();
    let (object, hex) = name.split_once('.').unwrap();
    assert_eq!(object, "web");
    assert!(hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(event["metadata"]["namespace"], "shop");
    assert_eq!(event["involvedObject"]["kind"], "Deployment");
    assert_eq!(event["involvedObject"]["name"], "web");
    assert_eq!(event["type"], "Normal");
    assert_eq!(event["count"], 1);
    assert_eq!(event["reportingComponent"], "deployment-controller");
    assert_eq!(event["firstTimestamp"], "2026-01-01T00:00:00Z");
}

#[test]
fn scaling_changes_only_the_replica_count() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(deployment("web", 2, "nginx:1"));
    cluster.run_for(10);
    cluster.edit(&key, |d| d["spec"]["replicas"] = json!(5));
    cluster.run_for(10);
    let sets = cluster.all("apps", "ReplicaSet");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0]["spec"]["replicas"], 5);
    assert_eq!(
        sets[0]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"],
        "5"
    );
    cluster.edit(&key, |d| d["spec"]["replicas"] = json!(1));
    cluster.run_for(10);
    assert_eq!(cluster.all("", "Pod").len(), 1);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["status"]["availableReplicas"], 1);
    assert_eq!(d["status"]["observedGeneration"], 3);
    let downs = cluster.events_with_reason("SuccessfulDelete");
    assert_eq!(downs.len(), 4);
}

#[test]
fn recreate_removes_old_pods_before_new_ones() {
    let mut cluster = FakeCluster::new();
    let mut d = deployment("web", 2, "nginx:1");
    d["spec"]["strategy"] = json!({"type": "Recreate"});
    let key = cluster.create(d);
    cluster.run_for(10);
    cluster.edit(&key, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2")
    });
    cluster.settle();
    let images: Vec<_> = cluster
        .all("", "Pod")
        .iter()
        .map(|p| {
            p["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(images, ["nginx:2", "nginx:2"]);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(condition(d, "Available")["status"], "False");
    cluster.run_for(10);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(condition(d, "Available")["status"], "True");
}

#[test]
fn rollback_reuses_the_old_replica_set_with_a_new_revision() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(deployment("web", 1, "nginx:1"));
    cluster.run_for(10);
    let first = cluster.all("apps", "ReplicaSet")[0]["metadata"]["name"].clone();
    cluster.edit(&key, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2")
    });
    cluster.run_for(10);
    cluster.edit(&key, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1")
    });
    cluster.run_for(10);
    assert_eq!(cluster.all("apps", "ReplicaSet").len(), 2);
    let rs = cluster.get_obj("apps", "ReplicaSet", "shop", first.as_str().unwrap());
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
    assert_eq!(rs["spec"]["replicas"], 1);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
}

#[test]
fn init_containers_complete_before_the_pod_runs() {
    let mut cluster = FakeCluster::new();
    let mut d = deployment("web", 1, "nginx:1");
    d["spec"]["template"]["spec"]["initContainers"] =
        json!([{"name": "setup", "image": "busybox"}]);
    d["spec"]["template"]["spec"]["containers"][0]["resources"] =
        json!({"limits": {"cpu": "1", "memory": "1Gi"}});
    cluster.create(d);
    cluster.settle();
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(condition(&pod, "Initialized")["status"], "False");
    // The init container sets no limits, so the pod is not Guaranteed.
    assert_eq!(pod["status"]["qosClass"], "Burstable");
    cluster.run_for(5);
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(condition(&pod, "Initialized")["status"], "True");
    assert_eq!(
        pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
}
