use serde_json::json;

use super::{condition, deployment};
use crate::model::ResourceKey;
use crate::sandbox::controllers::testing::FakeCluster;
use crate::sandbox::controllers::{next_wakeup, reconcile};

fn replica_sets(cluster: &FakeCluster) -> Vec<(String, i64)> {
    cluster
        .all("apps", "ReplicaSet")
        .into_iter()
        .map(|rs| {
            (
                rs["metadata"]["name"].as_str().unwrap().to_owned(),
                rs["spec"]["replicas"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn three_replicas_become_available() {
    let mut cluster = FakeCluster::new();
    cluster.create(deployment("web", 3, "nginx:1.25"));
    cluster.settle();
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(condition(d, "Available")["status"], "False");
    let sets = replica_sets(&cluster);
    assert_eq!(sets.len(), 1);
    let rs_name = &sets[0].0;
    assert!(rs_name.starts_with("web-"));
    let rs = cluster.get_obj("apps", "ReplicaSet", "shop", rs_name);
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap();
    assert_eq!(rs_name, &format!("web-{hash}"));
    assert_eq!(rs["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(
        rs["metadata"]["ownerReferences"][0]["blockOwnerDeletion"],
        true
    );
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    // The pods were created: that is progress.
    assert_eq!(condition(d, "Progressing")["reason"], "ReplicaSetUpdated");
    assert_eq!(
        condition(d, "Progressing")["message"],
        format!("ReplicaSet \"{rs_name}\" is progressing.")
    );
    let pods = cluster.all("", "Pod");
    assert_eq!(pods.len(), 3);
    for pod in &pods {
        let name = pod["metadata"]["name"].as_str().unwrap();
        assert_eq!(name.len(), rs_name.len() + 6, "{name}");
        assert_eq!(pod["status"]["phase"], "Pending");
        assert_eq!(pod["metadata"]["labels"]["pod-template-hash"], hash);
    }
    let nodes: std::collections::BTreeSet<_> = pods
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap())
        .collect();
    assert_eq!(nodes.len(), 3, "pods are spread over the nodes");

    let wake = next_wakeup(&cluster, cluster.now).expect("pods will start");
    assert_eq!(wake, cluster.now + jiff::SignedDuration::from_secs(2));
    cluster.run_for(2);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["status"]["availableReplicas"], 3);
    assert_eq!(d["status"]["readyReplicas"], 3);
    assert_eq!(d["status"]["updatedReplicas"], 3);
    assert_eq!(d["status"]["replicas"], 3);
    assert_eq!(d["status"]["observedGeneration"], 1);
    assert!(d["status"].get("unavailableReplicas").is_none());
    assert_eq!(condition(d, "Available")["status"], "True");
    assert_eq!(
        condition(d, "Available")["reason"],
        "MinimumReplicasAvailable"
    );
    assert_eq!(
        condition(d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    assert_eq!(
        condition(d, "Progressing")["message"],
        format!("ReplicaSet \"{rs_name}\" has successfully progressed.")
    );
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(condition(&pod, "Ready")["status"], "True");
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"],
        "2026-01-01T00:00:02Z"
    );
    assert_eq!(pod["status"]["qosClass"], "BestEffort");
    assert!(
        pod["status"]["podIP"]
            .as_str()
            .unwrap()
            .starts_with("10.244.")
    );

    let scaled = cluster.events_with_reason("ScalingReplicaSet");
    assert_eq!(scaled.len(), 1);
    assert_eq!(
        scaled[0]["message"],
        format!("Scaled up replica set {rs_name} from 0 to 3")
    );
    assert_eq!(scaled[0]["source"]["component"], "deployment-controller");
    assert_eq!(cluster.events_with_reason("SuccessfulCreate").len(), 3);
    assert_eq!(cluster.events_with_reason("Started").len(), 3);
    assert_eq!(cluster.events_with_reason("Scheduled").len(), 3);
}

#[test]
fn fixed_point_when_nothing_changes() {
    let mut cluster = FakeCluster::new();
    cluster.create(deployment("web", 2, "nginx:1.25"));
    cluster.run_for(30);
    assert!(reconcile(&cluster, cluster.now).is_empty());
    assert_eq!(next_wakeup(&cluster, cluster.now), None);
    let later = cluster.now + jiff::SignedDuration::from_secs(3600);
    assert!(reconcile(&cluster, later).is_empty());
}

#[test]
fn rollout_scales_old_replica_set_down_stepwise() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(deployment("web", 4, "nginx:1.25"));
    cluster.run_for(10);
    let first = replica_sets(&cluster)[0].0.clone();
    cluster.edit(&key, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27")
    });
    cluster.settle();
    // maxSurge 1, maxUnavailable 1: one new pod surged, one old pod removed.
    let sets = replica_sets(&cluster);
    assert_eq!(sets.len(), 2);
    let new_name = sets.iter().find(|(n, _)| *n != first).unwrap().0.clone();
    let count = |cluster: &FakeCluster, n: &str| {
        replica_sets(cluster)
            .into_iter()
            .find(|(s, _)| s == n)
            .unwrap()
            .1
    };
    assert_eq!(count(&cluster, &new_name), 2);
    assert_eq!(count(&cluster, &first), 3);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    assert_eq!(condition(d, "Available")["status"], "True");
    cluster.run_for(30);
    assert_eq!(count(&cluster, &new_name), 4);
    assert_eq!(count(&cluster, &first), 0);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["status"]["updatedReplicas"], 4);
    assert_eq!(d["status"]["availableReplicas"], 4);
    assert_eq!(
        condition(d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    assert_eq!(cluster.all("", "Pod").len(), 4);
    let downs: Vec<_> = cluster
        .events_with_reason("ScalingReplicaSet")
        .into_iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("Scaled down replica set {first}"))
        })
        .collect();
    assert!(downs.len() >= 2, "scaled down in steps: {downs:?}");
}

#[test]
fn crashloop_exceeds_progress_deadline() {
    let mut cluster = FakeCluster::new();
    let mut d = deployment("api", 1, "example.com/crashloop:1");
    d["spec"]["progressDeadlineSeconds"] = json!(60);
    cluster.create(d);
    cluster.run_for(30);
    let pod = cluster.all("", "Pod")[0].clone();
    let cs = &pod["status"]["containerStatuses"][0];
    assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
    let msg = cs["state"]["waiting"]["message"].as_str().unwrap();
    let expected_tail = format!(
        "container=app pod={}_shop({})",
        pod["metadata"]["name"].as_str().unwrap(),
        pod["metadata"]["uid"].as_str().unwrap()
    );
    assert!(
        msg.starts_with("back-off 20s restarting failed ") && msg.ends_with(&expected_tail),
        "{msg}"
    );
    // Crashes at 2s and 12s: one restart so far, the next back-off is 20s.
    assert_eq!(cs["restartCount"], 1);
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(pod["status"]["phase"], "Running");
    let d = cluster.get_obj("apps", "Deployment", "shop", "api");
    assert_eq!(condition(d, "Progressing")["status"], "True");
    cluster.run_for(40);
    let d = cluster.get_obj("apps", "Deployment", "shop", "api");
    assert_eq!(condition(d, "Progressing")["status"], "False");
    assert_eq!(
        condition(d, "Progressing")["reason"],
        "ProgressDeadlineExceeded"
    );
    assert_eq!(
        condition(d, "Available")["reason"],
        "MinimumReplicasUnavailable"
    );
    assert_eq!(d["status"]["unavailableReplicas"], 1);
    let backoff = cluster.events_with_reason("BackOff");
    assert_eq!(backoff.len(), 1);
    assert_eq!(backoff[0]["type"], "Warning");
    assert!(backoff[0]["count"].as_i64().unwrap() >= 3);
    cluster.run_for(900);
    let pod = cluster.all("", "Pod")[0].clone();
    let msg = pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.starts_with("back-off 5m0s restarting failed container=app pod="),
        "{msg}"
    );
}

#[test]
fn pull_errors_wait_in_image_pull_back_off() {
    let mut cluster = FakeCluster::new();
    cluster.create(deployment("img", 1, "registry.example/does-not-exist:9"));
    cluster.run_for(20);
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(pod["status"]["phase"], "Pending");
    let waiting = &pod["status"]["containerStatuses"][0]["state"]["waiting"];
    assert_eq!(waiting["reason"], "ImagePullBackOff");
    assert_eq!(
        waiting["message"],
        "Back-off pulling image \"registry.example/does-not-exist:9\""
    );
    assert!(!cluster.events_with_reason("Failed").is_empty());
}

#[test]
fn paused_deployment_does_not_roll_out() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(deployment("web", 2, "nginx:1.25"));
    cluster.run_for(10);
    cluster.edit(&key, |d| {
        d["spec"]["paused"] = json!(true);
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    });
    cluster.run_for(10);
    assert_eq!(replica_sets(&cluster).len(), 1);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(condition(d, "Progressing")["reason"], "DeploymentPaused");
    assert_eq!(condition(d, "Progressing")["status"], "Unknown");
    cluster.edit(&key, |d| d["spec"]["paused"] = json!(false));
    cluster.run_for(30);
    assert_eq!(replica_sets(&cluster).len(), 2);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(
        condition(d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
}

#[test]
fn revision_history_limit_trims_old_sets() {
    let mut cluster = FakeCluster::new();
    let mut d = deployment("web", 1, "nginx:1");
    d["spec"]["revisionHistoryLimit"] = json!(1);
    let key = cluster.create(d);
    cluster.run_for(10);
    for tag in ["2", "3", "4"] {
        cluster.edit(&key, |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(format!("nginx:{tag}"))
        });
        cluster.run_for(20);
    }
    let sets = replica_sets(&cluster);
    assert_eq!(sets.len(), 2, "{sets:?}");
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "4"
    );
    let _ = ResourceKey::default();
}

#[test]
fn min_ready_seconds_delays_availability() {
    let mut cluster = FakeCluster::new();
    let mut d = deployment("web", 1, "nginx:1");
    d["spec"]["minReadySeconds"] = json!(10);
    cluster.create(d);
    cluster.run_for(5);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["status"]["readyReplicas"], 1);
    assert!(d["status"].get("availableReplicas").is_none());
    cluster.run_for(10);
    let d = cluster.get_obj("apps", "Deployment", "shop", "web");
    assert_eq!(d["status"]["availableReplicas"], 1);
}
