//! Defaults of each built-in kind.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Map, Value, json};

use super::{obj_mut, pod, set_default};

/// Hands out cluster IPs, node ports and random name suffixes.
#[derive(Debug)]
pub struct Allocator {
    rng: StdRng,
}

impl Default for Allocator {
    fn default() -> Self {
        Self {
            rng: StdRng::from_os_rng(),
        }
    }
}

impl Allocator {
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A cluster IP in 10.96.0.0/12 (first 10.96.x.y range).
    pub fn cluster_ip(&mut self) -> String {
        format!(
            "10.96.{}.{}",
            self.rng.random_range(0..=255u8),
            self.rng.random_range(1..=254u8)
        )
    }

    pub fn node_port(&mut self) -> u16 {
        self.rng.random_range(30000..=32767)
    }

    /// Five characters from the alphabet Kubernetes uses for generated names.
    pub fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..5)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }
}

/// The status a newly created object of a kind starts with, if any.
pub fn initial_status(group: &str, kind: &str) -> Option<Value> {
    let status = match (group, kind) {
        ("apps", "Deployment") | ("batch", "Job") | ("batch", "CronJob") => json!({}),
        ("apps", "ReplicaSet") => json!({"replicas": 0}),
        ("apps", "StatefulSet") => json!({"replicas": 0, "availableReplicas": 0}),
        ("apps", "DaemonSet") => json!({"currentNumberScheduled": 0, "numberMisscheduled": 0,
            "desiredNumberScheduled": 0, "numberReady": 0}),
        ("", "Service") | ("networking.k8s.io", "Ingress") => json!({"loadBalancer": {}}),
        ("", "PersistentVolumeClaim") => json!({"phase": "Pending"}),
        ("", "Namespace") => json!({"phase": "Active"}),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            json!({"desiredReplicas": 0, "currentMetrics": null})
        }
        ("policy", "PodDisruptionBudget") => json!({"disruptionsAllowed": 0, "currentHealthy": 0,
            "desiredHealthy": 0, "expectedPods": 0}),
        _ => return None,
    };
    Some(status)
}

pub(super) fn apply(group: &str, kind: &str, o: &mut Map<String, Value>) {
    match (group, kind) {
        ("", "Namespace") => namespace(o),
        ("", "Secret") => secret(o),
        ("", "Service") => service(o),
        ("", "Pod") => {
            let spec = obj_mut(o, "spec");
            pod::pod_spec(spec);
            set_default(spec, "enableServiceLinks", json!(true));
        }
        ("", "PersistentVolumeClaim") => {
            set_default(obj_mut(o, "spec"), "volumeMode", json!("Filesystem"));
        }
        ("apps", "Deployment") => deployment(o),
        ("apps", "ReplicaSet") => {
            let spec = obj_mut(o, "spec");
            set_default(spec, "replicas", json!(1));
            template_at(spec);
        }
        ("apps", "StatefulSet") => statefulset(o),
        ("apps", "DaemonSet") => daemonset(o),
        ("batch", "Job") => {
            if let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut) {
                job_spec(spec);
            }
        }
        ("batch", "CronJob") => cronjob(o),
        ("networking.k8s.io", "NetworkPolicy") => {
            let spec = obj_mut(o, "spec");
            let egress = spec.contains_key("egress");
            let types = if egress {
                json!(["Ingress", "Egress"])
            } else {
                json!(["Ingress"])
            };
            set_default(spec, "policyTypes", types);
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            if let Some(subjects) = o.get_mut("subjects").and_then(Value::as_array_mut) {
                for s in subjects.iter_mut().filter_map(Value::as_object_mut) {
                    let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
                    if matches!(kind, "User" | "Group") {
                        set_default(s, "apiGroup", json!("rbac.authorization.k8s.io"));
                    }
                }
            }
        }
        _ => {}
    }
}

fn template_at(spec: &mut Map<String, Value>) {
    if let Some(t) = spec.get_mut("template") {
        pod::template(t);
    }
}

fn namespace(o: &mut Map<String, Value>) {
    let name = o
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let meta = obj_mut(o, "metadata");
    obj_mut(meta, "labels").insert("kubernetes.io/metadata.name".into(), json!(name));
}

fn secret(o: &mut Map<String, Value>) {
    use base64::Engine as _;
    if let Some(Value::Object(strings)) = o.remove("stringData") {
        let data = obj_mut(o, "data");
        for (k, v) in strings {
            let text = v.as_str().unwrap_or_default().to_owned();
            data.insert(
                k,
                json!(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
    set_default(o, "type", json!("Opaque"));
}

fn service(o: &mut Map<String, Value>) {
    let spec = obj_mut(o, "spec");
    set_default(spec, "type", json!("ClusterIP"));
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_owned();
    let node_ports = matches!(kind.as_str(), "NodePort" | "LoadBalancer");
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            set_default(p, "targetPort", port);
        }
    }
    set_default(spec, "sessionAffinity", json!("None"));
    if kind == "ExternalName" {
        return;
    }
    if node_ports {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    set_default(spec, "internalTrafficPolicy", json!("Cluster"));
}

fn deployment(o: &mut Map<String, Value>) {
    let spec = obj_mut(o, "spec");
    set_default(spec, "replicas", json!(1));
    template_at(spec);
    let strategy = obj_mut(spec, "strategy");
    set_default(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        let ru = obj_mut(strategy, "rollingUpdate");
        set_default(ru, "maxUnavailable", json!("25%"));
        set_default(ru, "maxSurge", json!("25%"));
    }
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "progressDeadlineSeconds", json!(600));
}

fn statefulset(o: &mut Map<String, Value>) {
    let spec = obj_mut(o, "spec");
    set_default(spec, "replicas", json!(1));
    template_at(spec);
    set_default(spec, "podManagementPolicy", json!("OrderedReady"));
    let strategy = obj_mut(spec, "updateStrategy");
    set_default(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        set_default(obj_mut(strategy, "rollingUpdate"), "partition", json!(0));
    }
    set_default(spec, "revisionHistoryLimit", json!(10));
    let retention = obj_mut(spec, "persistentVolumeClaimRetentionPolicy");
    set_default(retention, "whenDeleted", json!("Retain"));
    set_default(retention, "whenScaled", json!("Retain"));
}

fn daemonset(o: &mut Map<String, Value>) {
    let meta = obj_mut(o, "metadata");
    set_default(
        obj_mut(meta, "annotations"),
        "deprecated.daemonset.template.generation",
        json!("1"),
    );
    let spec = obj_mut(o, "spec");
    template_at(spec);
    let strategy = obj_mut(spec, "updateStrategy");
    set_default(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        let ru = obj_mut(strategy, "rollingUpdate");
        set_default(ru, "maxUnavailable", json!(1));
        set_default(ru, "maxSurge", json!(0));
    }
    set_default(spec, "revisionHistoryLimit", json!(10));
}

fn job_spec(spec: &mut Map<String, Value>) {
    set_default(spec, "parallelism", json!(1));
    set_default(spec, "completions", json!(1));
    set_default(spec, "backoffLimit", json!(6));
    set_default(spec, "manualSelector", json!(false));
    template_at(spec);
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
}

/// Labels a Job and its template with its controller uid, and selects them.
pub(super) fn job_labels(o: &mut Map<String, Value>, uid: &str, name: &str) {
    let labels = json!({
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    });
    let add = |target: &mut Map<String, Value>| {
        if let Some(l) = labels.as_object() {
            for (k, v) in l {
                set_default(target, k, v.clone());
            }
        }
    };
    add(obj_mut(obj_mut(o, "metadata"), "labels"));
    let spec = obj_mut(o, "spec");
    set_default(
        spec,
        "selector",
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
    );
    let template = obj_mut(spec, "template");
    add(obj_mut(obj_mut(template, "metadata"), "labels"));
}

fn cronjob(o: &mut Map<String, Value>) {
    let spec = obj_mut(o, "spec");
    set_default(spec, "concurrencyPolicy", json!("Allow"));
    set_default(spec, "suspend", json!(false));
    let job_template = obj_mut(spec, "jobTemplate");
    let meta = obj_mut(job_template, "metadata");
    set_default(meta, "creationTimestamp", Value::Null);
    job_cron_template(obj_mut(job_template, "spec"));
    set_default(spec, "successfulJobsHistoryLimit", json!(3));
    set_default(spec, "failedJobsHistoryLimit", json!(1));
}

/// A CronJob's job template gets the pod template defaults only.
fn job_cron_template(spec: &mut Map<String, Value>) {
    template_at(spec);
}
