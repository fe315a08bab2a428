//! What the server fills in after it recorded the writer's ownership, so
//! that nobody owns it: the initial status, allocated addresses and ports,
//! what admission plugins add (service account volume, tolerations,
//! protection finalizers), and generated selectors.

use serde_json::{Map, Value, json};

use super::kinds::{Allocator, initial_status, job_labels};
use super::{obj_mut, pod, set_default};

/// The finalizer the storage-protection admission puts on every claim.
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";

/// Fills a created object of `kind` (in `group`) named `name` with `uid`.
pub fn on_create(
    group: &str,
    kind: &str,
    object: &mut Value,
    alloc: &mut Allocator,
    uid: &str,
    name: &str,
) {
    let Some(o) = object.as_object_mut() else {
        return;
    };
    if let Some(status) = initial_status(group, kind) {
        o.insert("status".into(), status);
    }
    match (group, kind) {
        ("", "Namespace") => set_default(obj_mut(o, "spec"), "finalizers", json!(["kubernetes"])),
        ("", "Service") => service_allocations(o, alloc),
        ("", "Pod") => pod::admit(o, &alloc.suffix()),
        ("", "PersistentVolumeClaim") => {
            let finalizers = obj_mut(o, "metadata")
                .entry("finalizers")
                .or_insert_with(|| json!([]));
            if let Some(list) = finalizers.as_array_mut()
                && !list.iter().any(|f| f == PVC_PROTECTION)
            {
                list.push(json!(PVC_PROTECTION));
            }
        }
        ("batch", "Job") => job_labels(o, uid, name),
        _ => {}
    }
}

/// Fills an updated object: a Service whose type changed may need addresses
/// or ports.
pub fn on_update(group: &str, kind: &str, object: &mut Value, alloc: &mut Allocator) {
    if let (("", "Service"), Some(o)) = ((group, kind), object.as_object_mut()) {
        service_allocations(o, alloc);
    }
}

fn service_allocations(o: &mut Map<String, Value>, alloc: &mut Allocator) {
    let spec = obj_mut(o, "spec");
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_owned();
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer")
        && let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut)
    {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "nodePort", json!(alloc.node_port()));
        }
    }
    if kind == "ExternalName" {
        return;
    }
    if spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        spec.insert("clusterIP".into(), json!(alloc.cluster_ip()));
    }
    let ip = spec.get("clusterIP").cloned().unwrap_or(Value::Null);
    set_default(spec, "clusterIPs", json!([ip]));
    set_default(spec, "ipFamilies", json!(["IPv4"]));
    set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
}
