//! Volumes: a PersistentVolumeClaim is provisioned a PersistentVolume
//! (`pvc-<uid>`) shortly after creation and bound to it; volumes whose claim
//! is gone are reclaimed. A claim being deleted loses its protection
//! finalizer once no running pod mounts it.

use serde_json::{Value, json};

use super::context::Ctx;
use super::events::{self, CONTROLLER_MANAGER, Happening, PROVISIONER, PV_CONTROLLER};
use super::util::{at, created_at, is_deleting, plus_secs, str_at, uid_of};
use crate::model::{ResourceKey, name_of, namespace_of};
use crate::sandbox::defaults::fill::PVC_PROTECTION;

/// Seconds from a claim's creation until its volume is provisioned.
pub const PROVISION_DELAY: i64 = 1;

pub fn reconcile(ctx: &mut Ctx<'_>) {
    for claim in ctx.list("", "PersistentVolumeClaim") {
        if is_deleting(claim) {
            release_protection(ctx, claim);
        } else {
            sync_claim(ctx, claim);
        }
    }
    reclaim_released(ctx);
}

fn release_protection(ctx: &mut Ctx<'_>, claim: &Value) {
    let finalizers: Vec<Value> = at(claim, &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !finalizers.iter().any(|f| f == PVC_PROTECTION) {
        return;
    }
    let in_use = ctx
        .list_in("", "Pod", namespace_of(claim))
        .into_iter()
        .filter(|pod| !matches!(str_at(pod, &["status", "phase"]), "Succeeded" | "Failed"))
        .any(|pod| {
            at(pod, &["spec", "volumes"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|v| str_at(v, &["persistentVolumeClaim", "claimName"]) == name_of(claim))
        });
    if in_use {
        return;
    }
    let mut released = claim.clone();
    released["metadata"]["finalizers"] = json!(
        finalizers
            .into_iter()
            .filter(|f| f != PVC_PROTECTION)
            .collect::<Vec<_>>()
    );
    ctx.update(CONTROLLER_MANAGER, released);
}

fn sync_claim(ctx: &mut Ctx<'_>, claim: &Value) {
    if str_at(claim, &["status", "phase"]) == "Bound" {
        return;
    }
    let volume_name = str_at(claim, &["spec", "volumeName"]);
    if volume_name.is_empty() {
        ctx.update_status(PV_CONTROLLER.manager, claim, json!({"phase": "Pending"}));
        let due = plus_secs(created_at(claim, ctx.now), PROVISION_DELAY);
        if ctx.now < due {
            ctx.wake_at(due);
            return;
        }
        let pv_name = format!("pvc-{}", uid_of(claim));
        if ctx
            .get(&ResourceKey::new("", "PersistentVolume", "", &pv_name))
            .is_none()
        {
            provision(ctx, claim, &pv_name);
        } else {
            let mut bound = claim.clone();
            bound["spec"]["volumeName"] = json!(pv_name);
            bound["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = json!("yes");
            bound["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = json!("yes");
            ctx.update(CONTROLLER_MANAGER, bound);
        }
        return;
    }
    let Some(volume) = ctx.get(&ResourceKey::new("", "PersistentVolume", "", volume_name)) else {
        ctx.update_status(PV_CONTROLLER.manager, claim, json!({"phase": "Pending"}));
        return;
    };
    let capacity = at(volume, &["spec", "capacity"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    let access_modes = at(claim, &["spec", "accessModes"])
        .cloned()
        .unwrap_or_else(|| json!([]));
    let status = json!({"phase": "Bound", "accessModes": access_modes, "capacity": capacity});
    if ctx.update_status(PV_CONTROLLER.manager, claim, status) {
        ctx.update_status(PV_CONTROLLER.manager, volume, json!({"phase": "Bound"}));
    }
}

fn provision(ctx: &mut Ctx<'_>, claim: &Value, pv_name: &str) {
    let storage = at(claim, &["spec", "resources", "requests", "storage"])
        .cloned()
        .unwrap_or_else(|| json!("1Gi"));
    let class = match str_at(claim, &["spec", "storageClassName"]) {
        "" => "standard",
        c => c,
    };
    let volume = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER.component},
        },
        "spec": {
            "capacity": {"storage": storage},
            "accessModes": at(claim, &["spec", "accessModes"]).cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": class,
            "volumeMode": "Filesystem",
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": name_of(claim),
                "namespace": namespace_of(claim),
                "uid": uid_of(claim),
            },
            "hostPath": {
                "path": format!("/var/local-path-provisioner/{pv_name}_{}_{}", namespace_of(claim), name_of(claim)),
                "type": "DirectoryOrCreate",
            },
        },
    });
    if ctx.create(PROVISIONER.manager, volume) {
        let message = format!("Successfully provisioned volume {pv_name}");
        events::emit(
            ctx,
            claim,
            PROVISIONER,
            Happening::normal("ProvisioningSucceeded", &message),
        );
    }
}

/// Deletes dynamically provisioned volumes (reclaim policy Delete) whose claim no longer exists.
fn reclaim_released(ctx: &mut Ctx<'_>) {
    for volume in ctx.list("", "PersistentVolume") {
        let claim_ref = at(volume, &["spec", "claimRef"]);
        let Some(claim_ref) = claim_ref else { continue };
        if str_at(volume, &["spec", "persistentVolumeReclaimPolicy"]) != "Delete"
            || is_deleting(volume)
        {
            continue;
        }
        let key = ResourceKey::new(
            "",
            "PersistentVolumeClaim",
            str_at(claim_ref, &["namespace"]),
            str_at(claim_ref, &["name"]),
        );
        let claim_alive = ctx
            .get(&key)
            .is_some_and(|c| uid_of(c) == str_at(claim_ref, &["uid"]));
        if !claim_alive {
            ctx.delete(volume);
        }
    }
}
