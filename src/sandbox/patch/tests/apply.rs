//! Server-side apply and update bookkeeping: list maps, atomic lists, sets,
//! pruning, shared ownership, conflicts and custom resources.

use serde_json::{Value, json};

use super::{at, recording, request_body, response_body};
use crate::sandbox::patch::Gvk;
use crate::sandbox::patch::managed::{ApplyConflict, record_update, server_side_apply};

const T0: &str = "2026-01-01T10:00:00Z";
const T1: &str = "2026-01-01T11:30:00.75Z";

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": spec})
}

fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    time: &str,
) -> Result<Value, ApplyConflict> {
    server_side_apply(live, applied, manager, false, at(time), &Gvk::of(applied))
}

fn fields_of(object: &Value, manager: &str) -> Value {
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["manager"] == manager))
        .map(|entry| entry["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn list_maps_merge_by_key_and_keep_other_managers_items() {
    let first = pod(json!({"containers": [{"name": "a", "image": "a:1"}]}));
    let live = apply(None, &first, "one", T0).expect("create");
    let second = pod(
        json!({"containers": [{"name": "b", "image": "b:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}),
    );
    let both = apply(Some(&live), &second, "two", T0).expect("no overlap");
    assert_eq!(
        both["spec"]["containers"],
        json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]}])
    );
    assert_eq!(
        fields_of(&both, "two"),
        json!({"f:spec": {"f:containers": {"k:{\"name\":\"b\"}": {
            ".": {}, "f:image": {}, "f:name": {},
            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}}}
        }}}})
    );
    assert_eq!(
        fields_of(&both, "one")["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"]["f:image"],
        json!({})
    );
}

#[test]
fn dropping_a_list_item_prunes_it_and_atomic_lists_are_replaced_whole() {
    let both = pod(json!({"containers": [
        {"name": "a", "image": "a:1", "args": ["x", "y"]},
        {"name": "b", "image": "b:1"}
    ]}));
    let live = apply(None, &both, "me", T0).expect("create");
    assert_eq!(
        fields_of(&live, "me")["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"]["f:args"],
        json!({})
    );
    let only_a = pod(json!({"containers": [{"name": "a", "image": "a:1", "args": ["z"]}]}));
    let after = apply(Some(&live), &only_a, "me", T0).expect("re-apply");
    assert_eq!(
        after["spec"]["containers"],
        json!([{"name": "a", "image": "a:1", "args": ["z"]}])
    );
}

#[test]
fn set_lists_are_owned_per_value() {
    let mut object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
    object["metadata"]["finalizers"] = json!(["x.io/a"]);
    let live = apply(None, &object, "one", T0).expect("create");
    object["metadata"]["finalizers"] = json!(["x.io/b"]);
    let both = apply(Some(&live), &object, "two", T0).expect("sets union");
    assert_eq!(both["metadata"]["finalizers"], json!(["x.io/a", "x.io/b"]));
    assert_eq!(
        fields_of(&both, "two"),
        json!({"f:metadata": {"f:finalizers": {"v:\"x.io/b\"": {}}}})
    );
}

#[test]
fn a_field_two_appliers_own_survives_when_one_drops_it() {
    let with_label = |labels: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": labels}, "data": {"k": "v"}});
    let live = apply(None, &with_label(json!({"team": "a"})), "one", T0).expect("create");
    let shared = apply(Some(&live), &with_label(json!({"team": "a"})), "two", T0)
        .expect("same value: no conflict");
    let dropped = apply(Some(&shared), &with_label(json!({})), "one", T0).expect("drop");
    assert_eq!(
        dropped["metadata"]["labels"],
        json!({"team": "a"}),
        "still owned by two"
    );
    let gone = apply(Some(&dropped), &with_label(json!({})), "two", T0).expect("drop too");
    assert_eq!(
        gone["metadata"]["labels"],
        json!({}),
        "nobody owns it any more"
    );
}

#[test]
fn several_conflicts_are_listed_per_manager() {
    let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "1"}});
    let mut live = apply(None, &object, "owner", T0).expect("create");
    let before = live.clone();
    live["data"] = json!({"a": "2", "b": "2"});
    record_update(Some(&before), &mut live, "editor", None, at(T0));
    let err = apply(Some(&live), &object, "owner", T0).expect_err("both keys conflict");
    assert_eq!(
        err.message(),
        "Apply failed with 2 conflicts: conflicts with \"editor\" using v1:\n- .data.a\n- .data.b"
    );
    assert_eq!(
        err.status()["details"]["causes"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn times_change_only_when_the_write_changes_something() {
    let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let live = apply(None, &object, "me", T0).expect("create");
    let same = apply(Some(&live), &object, "me", T1).expect("no-op apply");
    assert_eq!(
        same["metadata"]["managedFields"][0]["time"],
        "2026-01-01T10:00:00Z"
    );
    let mut changed = object.clone();
    changed["data"]["a"] = json!("2");
    let later = apply(Some(&live), &changed, "me", T1).expect("change");
    assert_eq!(
        later["metadata"]["managedFields"][0]["time"],
        "2026-01-01T11:30:00Z"
    );
}

#[test]
fn status_writes_never_take_spec() {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1}, "status": {}});
    let mut written = deployment.clone();
    written["spec"]["replicas"] = json!(9);
    written["status"] = json!({"replicas": 1});
    record_update(
        Some(&deployment),
        &mut written,
        "ctrl",
        Some("status"),
        at(T0),
    );
    let entry = &written["metadata"]["managedFields"][0];
    assert_eq!(entry["subresource"], "status");
    assert_eq!(entry["fieldsV1"], json!({"f:status": {"f:replicas": {}}}));
}

#[test]
fn custom_resource_create_and_status_patch_match_the_recording() {
    let steps = recording(include_str!("../testdata/crd.json"));
    let created = response_body(&steps[3]);
    let mut ours = request_body(&steps[3]);
    record_update(
        None,
        &mut ours,
        "Python-urllib",
        None,
        at("2026-11-22T02:24:54Z"),
    );
    // Key order differs (the server sorts custom resources' keys); values must not.
    assert_eq!(
        ours["metadata"]["managedFields"],
        created["metadata"]["managedFields"]
    );

    let recorded = response_body(&steps[5]);
    let mut patched = created.clone();
    patched["status"] = json!({"replicas": 2});
    record_update(
        Some(&created),
        &mut patched,
        "Python-urllib",
        Some("status"),
        at("2026-11-22T02:24:54Z"),
    );
    assert_eq!(
        patched["metadata"]["managedFields"],
        recorded["metadata"]["managedFields"]
    );
}

#[test]
fn ports_applied_without_protocol_match_the_defaulted_ones() {
    let applied = pod(
        json!({"containers": [{"name": "a", "image": "a:1", "ports": [{"containerPort": 80}]}]}),
    );
    let mut live = apply(None, &applied, "me", T0).expect("create");
    live["spec"]["containers"][0]["ports"][0]["protocol"] = json!("TCP");
    let again = apply(Some(&live), &applied, "me", T0).expect("re-apply");
    assert_eq!(
        again["spec"]["containers"][0]["ports"],
        json!([{"containerPort": 80, "protocol": "TCP"}])
    );
    assert_eq!(
        fields_of(&again, "me")["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"]["f:ports"],
        json!({"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}})
    );
}

#[test]
fn a_dropped_list_item_goes_whole_even_if_another_writer_changed_a_field_in_it() {
    let both =
        pod(json!({"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}));
    let live = apply(None, &both, "me", T0).expect("create");
    let mut edited = live.clone();
    edited["spec"]["containers"][1]["image"] = json!("b:2");
    record_update(Some(&live), &mut edited, "editor", None, at(T0));
    let only_a = pod(json!({"containers": [{"name": "a", "image": "a:1"}]}));
    let after = apply(Some(&edited), &only_a, "me", T0).expect("drop b");
    assert_eq!(
        after["spec"]["containers"],
        json!([{"name": "a", "image": "a:1"}])
    );
}
