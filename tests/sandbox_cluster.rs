//! The real simulated controllers running inside the sandbox, through the
//! API server's write path, on a manual clock.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, GroupVersionKind, ListParams, PostParams};
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;
use plumb::sandbox::controllers::reconcile;
use serde_json::{Value, json};

fn start() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("time")
}

fn deployment(name: &str, image: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}}}}))
    .expect("deploy")
}

fn step(sandbox: &Sandbox, secs: i64) {
    for _ in 0..secs {
        sandbox.settle(reconcile);
        sandbox.advance(SignedDuration::from_secs(1));
    }
    sandbox.settle(reconcile);
}

/// A sandbox on a manual clock with Deployment `web` (2 replicas) rolled out.
async fn rolled_out_web() -> (Sandbox, kube::Client) {
    let sandbox = Sandbox::with_clock(Clock::manual(start()));
    let client = sandbox.client();
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deploys
        .create(&PostParams::default(), &deployment("web", "nginx:1.25", 2))
        .await
        .expect("create");
    step(&sandbox, 10);
    (sandbox, client)
}

#[tokio::test]
async fn a_deployment_rolls_out_to_ready_pods() {
    let (_sandbox, client) = rolled_out_web().await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let rs: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    assert_eq!(
        rs.list(&ListParams::default())
            .await
            .expect("rs")
            .items
            .len(),
        1
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pods = pods.list(&ListParams::default()).await.expect("pods").items;
    assert_eq!(pods.len(), 2);
    for pod in &pods {
        let status = pod.status.as_ref().expect("status");
        assert_eq!(status.phase.as_deref(), Some("Running"), "{pod:?}");
        assert!(
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_some()
        );
    }
    let d = deploys.get("web").await.expect("deploy");
    let conditions = d.status.and_then(|s| s.conditions).unwrap_or_default();
    assert!(
        conditions
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True"),
        "{conditions:?}"
    );
}

async fn apply_all(client: &kube::Client, docs: &str) {
    for doc in serde_yaml::Deserializer::from_str(docs) {
        let v: Value = serde::Deserialize::deserialize(doc).expect("yaml");
        let obj: DynamicObject = serde_json::from_value(v).expect("object");
        let gvk = GroupVersionKind::try_from(obj.types.as_ref().expect("types")).expect("gvk");
        let (ar, caps) = kube::discovery::pinned_kind(client, &gvk)
            .await
            .expect("discover");
        let api: Api<DynamicObject> = match caps.scope {
            kube::discovery::Scope::Namespaced => {
                Api::namespaced_with(client.clone(), "default", &ar)
            }
            kube::discovery::Scope::Cluster => Api::all_with(client.clone(), &ar),
        };
        api.create(&PostParams::default(), &obj)
            .await
            .expect("create");
    }
}

async fn get(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
    ns: Option<&str>,
    name: &str,
) -> Value {
    let gvk = match api_version.split_once('/') {
        Some((g, v)) => GroupVersionKind::gvk(g, v, kind),
        None => GroupVersionKind::gvk("", api_version, kind),
    };
    let (ar, _) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .expect("discover");
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    serde_json::to_value(
        api.get(name)
            .await
            .unwrap_or_else(|e| panic!("{kind} {name}: {e}")),
    )
    .expect("json")
}

const WORKLOADS: &str = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: done}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: broken}
spec: {backoffLimit: 1, template: {spec: {restartPolicy: Never, containers: [{name: c, image: "busybox:fail"}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec: {replicas: 2, serviceName: db, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}}, volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, labels: {tier: data}}
spec: {type: LoadBalancer, selector: {app: db}, ports: [{port: 80, targetPort: pg}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: proxy}
spec: {replicas: 1, selector: {matchLabels: {app: proxy}}, template: {metadata: {labels: {app: proxy}}, spec: {containers: [{name: c, image: "failover-proxy:1.0"}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: crash}
spec: {replicas: 1, selector: {matchLabels: {app: crash}}, template: {metadata: {labels: {app: crash}}, spec: {containers: [{name: c, image: "acme/crashloop:1"}]}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: proxy, annotations: {sandbox.plumb.dev/load-replicas: "3"}}
spec: {minReplicas: 2, maxReplicas: 5, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: proxy}}
"#;

fn condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

#[tokio::test]
async fn workloads_jobs_volumes_services_and_hpas_converge() {
    let sandbox = Sandbox::with_clock(Clock::manual(start()));
    let client = sandbox.client();
    apply_all(&client, WORKLOADS).await;
    step(&sandbox, 60);
    let done = get(&client, "batch/v1", "Job", Some("default"), "done").await;
    assert_eq!(
        condition(&done, "Complete").map(|c| &c["status"]),
        Some(&json!("True"))
    );
    let broken = get(&client, "batch/v1", "Job", Some("default"), "broken").await;
    assert_eq!(
        condition(&broken, "Failed").map(|c| &c["status"]),
        Some(&json!("True"))
    );
    let claim = get(
        &client,
        "v1",
        "PersistentVolumeClaim",
        Some("default"),
        "data-db-0",
    )
    .await;
    assert_eq!(claim["status"]["phase"], "Bound");
    let volume = claim["spec"]["volumeName"]
        .as_str()
        .expect("bound to a volume");
    let pv = get(&client, "v1", "PersistentVolume", None, volume).await;
    assert_eq!(pv["status"]["phase"], "Bound");
    let svc = get(&client, "v1", "Service", Some("default"), "db").await;
    assert!(
        svc["status"]["loadBalancer"]["ingress"][0]["ip"].is_string(),
        "{svc}"
    );

    let endpoints = get(&client, "v1", "Endpoints", Some("default"), "db").await;
    let subset = &endpoints["subsets"][0];
    let names: Vec<&str> = subset["addresses"]
        .as_array()
        .expect("ready addresses")
        .iter()
        .map(|a| a["targetRef"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names.len(), 2, "{endpoints}");
    assert!(names.contains(&"db-0") && names.contains(&"db-1"));
    assert_eq!(subset["ports"], json!([{"port": 5432, "protocol": "TCP"}]));
    assert_eq!(endpoints["metadata"]["labels"], json!({"tier": "data"}));

    let proxy = get(&client, "apps/v1", "Deployment", Some("default"), "proxy").await;
    assert_eq!(proxy["spec"]["replicas"], 3, "the HPA scaled it");
    let hpa_entry = proxy["metadata"]["managedFields"]
        .as_array()
        .expect("managed")
        .iter()
        .find(|f| f["manager"] == "kube-controller-manager" && f["subresource"] == "scale")
        .cloned()
        .unwrap_or_else(|| panic!("hpa manager entry: {}", proxy["metadata"]["managedFields"]));
    assert_eq!(hpa_entry["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    assert_eq!(hpa_entry["operation"], "Update");
    assert_eq!(
        proxy["status"]["readyReplicas"], 3,
        "failover-proxy carries no failure marker"
    );

    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let crash = pods
        .list(&ListParams::default().labels("app=crash"))
        .await
        .expect("pods")
        .items;
    let waiting = crash[0]
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c[0].state.as_ref())
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    assert_eq!(waiting.as_deref(), Some("CrashLoopBackOff"));
}

#[tokio::test]
async fn every_namespace_gets_a_default_service_account_and_the_root_ca() {
    let sandbox = Sandbox::with_clock(Clock::manual(start()));
    let client = sandbox.client();
    apply_all(
        &client,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    )
    .await;
    sandbox.settle(reconcile);
    for ns in ["default", "kube-system", "shop"] {
        let account = get(&client, "v1", "ServiceAccount", Some(ns), "default").await;
        assert_eq!(account["metadata"]["namespace"], ns);
        let ca = get(&client, "v1", "ConfigMap", Some(ns), "kube-root-ca.crt").await;
        assert_eq!(
            ca["metadata"]["managedFields"][0]["manager"],
            "kube-controller-manager"
        );
        assert!(
            ca["data"]["ca.crt"]
                .as_str()
                .expect("ca")
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
    }
}

#[tokio::test]
async fn controllers_run_by_themselves_on_the_real_clock() {
    let sandbox = Sandbox::new();
    let handle = sandbox.spawn_cluster_controllers();
    let deploys: Api<Deployment> = Api::namespaced(sandbox.client(), "default");
    deploys
        .create(&PostParams::default(), &deployment("web", "nginx:1.25", 1))
        .await
        .expect("create");
    let available = |d: Option<&Deployment>| {
        d.and_then(|d| d.status.as_ref())
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c.type_ == "Available" && c.status == "True")
            })
            && d.and_then(|d| d.status.as_ref())
                .and_then(|s| s.ready_replicas)
                == Some(1)
    };
    let waited = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        kube::runtime::wait::await_condition(deploys, "web", available),
    )
    .await;
    handle.abort();
    assert!(
        waited
            .expect("rolled out in time")
            .expect("watch")
            .is_some()
    );
}

#[tokio::test]
async fn a_deleted_claim_waits_for_the_pods_that_mount_it() {
    let sandbox = Sandbox::with_clock(Clock::manual(start()));
    let client = sandbox.client();
    apply_all(
        &client,
        r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec: {containers: [{name: c, image: nginx}], volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]}
"#,
    )
    .await;
    step(&sandbox, 5);
    let claims: Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        Api::namespaced(client.clone(), "default");
    claims
        .delete("data", &Default::default())
        .await
        .expect("delete");
    step(&sandbox, 5);
    let held = claims.get("data").await.expect("still there while mounted");
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(
        held.metadata.finalizers,
        Some(vec!["kubernetes.io/pvc-protection".to_owned()])
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    pods.delete("user", &Default::default())
        .await
        .expect("delete pod");
    step(&sandbox, 5);
    assert!(claims.get_opt("data").await.expect("get").is_none());
}

#[tokio::test]
async fn foreground_deletion_removes_pods_then_replica_sets_then_the_deployment() {
    let (sandbox, client) = rolled_out_web().await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deploys
        .delete("web", &kube::api::DeleteParams::foreground())
        .await
        .expect("delete");
    step(&sandbox, 10);
    assert!(deploys.get_opt("web").await.expect("get").is_none());
    let rs: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    assert!(
        rs.list(&ListParams::default())
            .await
            .expect("rs")
            .items
            .is_empty()
    );
    let pods: Api<Pod> = Api::namespaced(client, "default");
    assert!(
        pods.list(&ListParams::default())
            .await
            .expect("pods")
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_running_pod_is_deleted_gracefully_and_the_kubelet_confirms() {
    let (sandbox, client) = rolled_out_web().await;
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let names: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let now = sandbox.clock().now();

    let answer = pods
        .delete(&names[0], &kube::api::DeleteParams::default())
        .await
        .expect("delete");
    let marked = answer
        .left()
        .expect("a running pod is answered, not a Status");
    assert_eq!(marked.metadata.deletion_grace_period_seconds, Some(30));
    let deadline = marked
        .metadata
        .deletion_timestamp
        .expect("deletionTimestamp")
        .0;
    assert_eq!(
        deadline.to_string(),
        (now + SignedDuration::from_secs(30)).to_string()
    );
    assert!(
        pods.get_opt(&names[0]).await.expect("get").is_some(),
        "terminating"
    );

    let forced = pods
        .delete(
            &names[1],
            &kube::api::DeleteParams::default().grace_period(0),
        )
        .await
        .expect("delete now");
    assert!(forced.is_right(), "grace period 0 deletes at once");
    assert!(pods.get_opt(&names[1]).await.expect("get").is_none());

    step(&sandbox, 1);
    assert!(
        pods.get_opt(&names[0]).await.expect("get").is_none(),
        "the kubelet confirmed the deletion"
    );
}
