//! The recorded sessions of a real kube-apiserver 1.32 (ssa.json,
//! patches.json, create-defaults.json) replayed through our functions.

use serde_json::{Value, json};

use super::{at, recording, request_body, response_body};
use crate::sandbox::patch::managed::{record_update, server_side_apply};
use crate::sandbox::patch::{Gvk, json_patch, merge_patch, strategic_merge_patch};

const SSA: &str = include_str!("../testdata/ssa.json");
const PATCHES: &str = include_str!("../testdata/patches.json");
const CREATES: &str = include_str!("../testdata/create-defaults.json");
const RECORDED_TIME: &str = "2026-11-22T02:24:41Z";

fn deployment() -> Gvk {
    Gvk {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
    }
}

fn managed_fields(object: &Value) -> Value {
    object["metadata"]["managedFields"].clone()
}

/// The entry of `manager` in a recorded object, to stand in for writes we do
/// not replay (the deployment controller's status updates).
fn entry_of(object: &Value, manager: &str) -> Value {
    managed_fields(object)
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["manager"] == manager).cloned())
        .expect("recorded entry")
}

/// Applies what the deployment controller did between two recorded steps:
/// its status, annotations and managedFields entry as recorded in `after`.
fn controller_writes(object: &mut Value, after: &Value) {
    object["status"] = after["status"].clone();
    object["metadata"]["annotations"] = after["metadata"]["annotations"].clone();
    let entries = object["metadata"]["managedFields"]
        .as_array_mut()
        .expect("entries");
    entries.retain(|e| e["manager"] != "kube-controller-manager");
    entries.push(entry_of(after, "kube-controller-manager"));
}

/// Replays ssa.json: create by apply, scale by kubectl, the 409, force
/// (dry-run and real) and dropping an owned field. Returns the final object.
fn replay_ssa() -> Value {
    let steps = recording(SSA);
    let now = at(RECORDED_TIME);
    let gvk = deployment();

    let created = server_side_apply(None, &request_body(&steps[0]), "plumb", false, now, &gvk)
        .expect("create by apply");
    assert_eq!(
        managed_fields(&created),
        managed_fields(&response_body(&steps[0]))
    );
    assert_eq!(
        created["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );
    assert_eq!(created["spec"]["replicas"], 3);

    let mut scaled = created.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(Some(&created), &mut scaled, "kubectl", Some("scale"), now);

    let refused = server_side_apply(
        Some(&scaled),
        &request_body(&steps[2]),
        "plumb",
        false,
        now,
        &gvk,
    )
    .expect_err("re-apply without force conflicts with the scale");
    assert_eq!(refused.status(), response_body(&steps[2]));
    assert_eq!(refused.code(), 409);

    let mut live = scaled;
    controller_writes(&mut live, &response_body(&steps[3]));
    for step in [&steps[3], &steps[4]] {
        let forced = server_side_apply(Some(&live), &request_body(step), "plumb", true, now, &gvk)
            .expect("force takes ownership");
        assert_eq!(
            managed_fields(&forced),
            managed_fields(&response_body(step)),
            "{}",
            step["note"]
        );
        assert_eq!(forced["spec"]["replicas"], 3);
    }

    let live = response_body(&steps[4]);
    let dropped = server_side_apply(
        Some(&live),
        &request_body(&steps[5]),
        "plumb",
        false,
        now,
        &gvk,
    )
    .expect("dropping a field");
    assert_eq!(
        managed_fields(&dropped),
        managed_fields(&response_body(&steps[5]))
    );
    assert!(
        dropped["spec"].get("replicas").is_none(),
        "replicas is pruned (the server then defaults it)"
    );
    dropped
}

#[test]
fn server_side_apply_session_matches_the_recording() {
    replay_ssa();
}

#[test]
fn patch_session_matches_the_recording() {
    let ssa = recording(SSA);
    let steps = recording(PATCHES);
    let now = at(RECORDED_TIME);

    let live = response_body(&ssa[5]);
    let mut merged = merge_patch(&live, &request_body(&steps[0]));
    record_update(Some(&live), &mut merged, "ops", None, now);
    let recorded = response_body(&steps[0]);
    assert_eq!(merged["metadata"]["labels"], recorded["metadata"]["labels"]);
    assert_eq!(managed_fields(&merged), managed_fields(&recorded));

    let mut live = merged;
    controller_writes(&mut live, &response_body(&steps[1]));
    let mut patched =
        strategic_merge_patch(&live, &request_body(&steps[1]), &deployment()).expect("SMP");
    record_update(Some(&live), &mut patched, "Python-urllib", None, now);
    let recorded = response_body(&steps[1]);
    assert_eq!(
        patched["spec"], recorded["spec"],
        "containers merged by name keep their defaults"
    );
    assert_eq!(managed_fields(&patched), managed_fields(&recorded));

    let live = recorded;
    let mut patched = json_patch(&live, &request_body(&steps[2])).expect("JSON patch");
    record_update(Some(&live), &mut patched, "Python-urllib", None, now);
    let recorded = response_body(&steps[2]);
    assert_eq!(patched["spec"], recorded["spec"]);
    assert_eq!(managed_fields(&patched), managed_fields(&recorded));
}

/// What the real server fills in after it recorded ownership of a create
/// (status, allocations, admission plugins, controllers): nobody owns these.
const SET_AFTER_OWNERSHIP: &[(&str, &str)] = &[
    ("*", "/status"),
    ("Namespace", "/spec/finalizers"),
    ("PersistentVolumeClaim", "/metadata/finalizers"),
    ("Service", "/spec/clusterIP"),
    ("Service", "/spec/clusterIPs"),
    ("Service", "/spec/ipFamilies"),
    ("Service", "/spec/ipFamilyPolicy"),
    ("Service", "/spec/ports/0/nodePort"),
    ("Pod", "/spec/serviceAccount"),
    ("Pod", "/spec/serviceAccountName"),
    ("Pod", "/spec/tolerations"),
    ("Pod", "/spec/priority"),
    ("Pod", "/spec/preemptionPolicy"),
    ("Pod", "/spec/volumes"),
    ("Pod", "/spec/containers/0/volumeMounts"),
    ("Job", "/metadata/labels"),
    ("Job", "/spec/selector"),
    ("Job", "/spec/template/metadata/labels"),
];

fn remove_pointer(object: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a parent");
    let last = last.replace("~1", "/");
    if let Some(Value::Object(map)) = object.pointer_mut(parent) {
        map.remove(&last);
    }
}

#[test]
fn creates_record_the_fields_the_writer_and_defaults_set() {
    let now = at(RECORDED_TIME);
    let mut mismatches = Vec::new();
    for step in recording(CREATES) {
        let recorded = response_body(&step);
        let mut created = recorded.clone();
        for (kind, pointer) in SET_AFTER_OWNERSHIP {
            if *kind == "*" || recorded["kind"] == *kind {
                remove_pointer(&mut created, pointer);
            }
        }
        created["metadata"]
            .as_object_mut()
            .map(|meta| meta.remove("managedFields"));
        record_update(None, &mut created, "Python-urllib", None, now);
        if managed_fields(&created) != managed_fields(&recorded) {
            mismatches.push(format!(
                "{}:\n  ours     {}\n  recorded {}",
                step["note"],
                managed_fields(&created),
                managed_fields(&recorded)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
