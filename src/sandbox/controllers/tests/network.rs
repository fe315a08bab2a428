//! Services, Ingresses and volume claims.

use serde_json::json;

use crate::sandbox::controllers::testing::FakeCluster;

#[test]
fn load_balancers_get_addresses_after_a_second() {
    let mut cluster = FakeCluster::new();
    for name in ["a", "b"] {
        cluster.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}, "status": {"loadBalancer": {}}}));
    }
    cluster.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "plain", "namespace": "shop"},
        "spec": {"type": "ClusterIP"}, "status": {"loadBalancer": {}}}));
    cluster.settle();
    assert_eq!(
        cluster.get_obj("", "Service", "shop", "a")["status"],
        json!({"loadBalancer": {}})
    );
    cluster.run_for(1);
    let a = cluster.get_obj("", "Service", "shop", "a");
    assert_eq!(
        a["status"]["loadBalancer"]["ingress"],
        json!([{"ip": "172.18.255.200", "ipMode": "VIP"}])
    );
    let b = cluster.get_obj("", "Service", "shop", "b");
    assert_eq!(
        b["status"]["loadBalancer"]["ingress"][0]["ip"],
        "172.18.255.201"
    );
    assert_eq!(
        cluster.get_obj("", "Service", "shop", "plain")["status"],
        json!({"loadBalancer": {}})
    );
    assert_eq!(cluster.events_with_reason("EnsuredLoadBalancer").len(), 2);
}

#[test]
fn ingress_gets_controller_address() {
    let mut cluster = FakeCluster::new();
    cluster.create(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"rules": [{"host": "web.example"}]}, "status": {"loadBalancer": {}}}));
    cluster.run_for(2);
    let ing = cluster.get_obj("networking.k8s.io", "Ingress", "shop", "web");
    assert_eq!(
        ing["status"]["loadBalancer"]["ingress"],
        json!([{"ip": "172.18.255.199"}])
    );
}

#[test]
fn claims_bind_to_provisioned_volumes_and_volumes_are_reclaimed() {
    let mut cluster = FakeCluster::new();
    let key = cluster.create(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "shop"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem"}}));
    cluster.settle();
    assert_eq!(
        cluster.get_obj("", "PersistentVolumeClaim", "shop", "data")["status"]["phase"],
        "Pending"
    );
    cluster.run_for(1);
    let claim = cluster
        .get_obj("", "PersistentVolumeClaim", "shop", "data")
        .clone();
    assert_eq!(claim["status"]["phase"], "Bound");
    assert_eq!(claim["status"]["capacity"]["storage"], "2Gi");
    assert_eq!(claim["status"]["accessModes"], json!(["ReadWriteOnce"]));
    let volume_name = claim["spec"]["volumeName"].as_str().unwrap();
    assert_eq!(
        volume_name,
        format!("pvc-{}", claim["metadata"]["uid"].as_str().unwrap())
    );
    let volume = cluster.get_obj("", "PersistentVolume", "", volume_name);
    assert_eq!(volume["status"]["phase"], "Bound");
    assert_eq!(volume["spec"]["claimRef"]["name"], "data");
    cluster.apply(crate::sandbox::controllers::Action::Delete { key, grace: None });
    cluster.settle();
    assert!(cluster.all("", "PersistentVolume").is_empty());
}
