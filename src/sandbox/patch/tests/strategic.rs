//! Strategic merge patch directives and list strategies, plus the errors of
//! the patch functions.

use serde_json::{Value, json};

use crate::sandbox::patch::{Gvk, PatchError, json_patch, merge_patch, strategic_merge_patch};

fn gvk(api_version: &str, kind: &str) -> Gvk {
    Gvk::of(&json!({"apiVersion": api_version, "kind": kind}))
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

fn smp_pod(live_spec: Value, patch: Value) -> Value {
    let patched =
        strategic_merge_patch(&pod(live_spec), &patch, &gvk("v1", "Pod")).expect("patch applies");
    patched["spec"].clone()
}

#[test]
fn containers_and_env_merge_by_name_and_new_items_append() {
    let live = json!({"containers": [
        {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
        {"name": "b", "image": "b:1"}
    ]});
    let patch = json!({"spec": {"containers": [
        {"name": "a", "env": [{"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}]},
        {"name": "c", "image": "c:1"}
    ]}});
    assert_eq!(
        smp_pod(live, patch),
        json!({"containers": [
            {"name": "a", "image": "a:1", "env": [
                {"name": "X", "value": "1"}, {"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}]},
            {"name": "b", "image": "b:1"},
            {"name": "c", "image": "c:1"}
        ]})
    );
}

#[test]
fn patch_delete_in_a_list_item_removes_it_and_null_removes_a_field() {
    let live = json!({"containers": [{"name": "a", "image": "a:1", "args": ["x"]}, {"name": "b", "image": "b:1"}]});
    let patch = json!({"spec": {"containers": [
        {"name": "b", "$patch": "delete"},
        {"name": "a", "args": null}
    ]}});
    assert_eq!(
        smp_pod(live, patch),
        json!({"containers": [{"name": "a", "image": "a:1"}]})
    );
}

#[test]
fn patch_replace_replaces_lists_and_maps_whole() {
    let live = json!({
        "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}],
        "nodeSelector": {"disk": "ssd", "zone": "a"}
    });
    let patch = json!({"spec": {
        "containers": [{"$patch": "replace"}, {"name": "c", "image": "c:1"}],
        "nodeSelector": {"$patch": "replace", "zone": "b"}
    }});
    assert_eq!(
        smp_pod(live, patch),
        json!({"containers": [{"name": "c", "image": "c:1"}], "nodeSelector": {"zone": "b"}})
    );
}

#[test]
fn lists_without_a_merge_strategy_are_replaced() {
    let live = json!({"containers": [{"name": "a", "image": "a:1", "args": ["x", "y"]}]});
    let patch = json!({"spec": {"containers": [{"name": "a", "args": ["z"]}]}});
    assert_eq!(smp_pod(live, patch)["containers"][0]["args"], json!(["z"]));
}

#[test]
fn primitive_merge_lists_union_and_delete_from_primitive_list() {
    let live = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "finalizers": ["a", "b"]}});
    let gvk = gvk("v1", "Namespace");
    let added = strategic_merge_patch(
        &live,
        &json!({"metadata": {"finalizers": ["b", "c"]}}),
        &gvk,
    )
    .expect("union");
    assert_eq!(added["metadata"]["finalizers"], json!(["a", "b", "c"]));
    let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}});
    let removed = strategic_merge_patch(&added, &patch, &gvk).expect("delete from list");
    assert_eq!(removed["metadata"]["finalizers"], json!(["b", "c"]));
}

#[test]
fn set_element_order_reorders_the_merged_list() {
    let live =
        json!({"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]});
    let patch = json!({"spec": {
        "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
        "containers": [{"name": "a", "image": "a:2"}]
    }});
    assert_eq!(
        smp_pod(live, patch),
        json!({"containers": [{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:2"}]})
    );
}

#[test]
fn retain_keys_drops_fields_not_listed() {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
    let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
    let patched = strategic_merge_patch(&deployment, &patch, &gvk("apps/v1", "Deployment"))
        .expect("retainKeys");
    assert_eq!(patched["spec"]["strategy"], json!({"type": "Recreate"}));

    let outside =
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 2}}}});
    let err = strategic_merge_patch(&deployment, &outside, &gvk("apps/v1", "Deployment"))
        .expect_err("mismatch");
    assert_eq!((err.code(), err.reason()), (422, "Invalid"));
}

#[test]
fn strategic_merge_on_a_custom_resource_is_415() {
    let widget =
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let err = strategic_merge_patch(&widget, &json!({"spec": {}}), &Gvk::of(&widget))
        .expect_err("no schema");
    assert_eq!((err.code(), err.reason()), (415, "UnsupportedMediaType"));
    let status = err.status();
    assert_eq!(status["code"], 415);
    assert!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.contains("application/merge-patch+json"))
    );
}

#[test]
fn unknown_patch_directive_is_a_bad_request() {
    let err = strategic_merge_patch(
        &pod(json!({})),
        &json!({"spec": {"$patch": "explode"}}),
        &gvk("v1", "Pod"),
    )
    .expect_err("unknown directive");
    assert!(matches!(err, PatchError::BadRequest(_)), "{err:?}");
    assert_eq!(err.code(), 400);
}

#[test]
fn merge_patch_follows_rfc_7386() {
    let live = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"ports": [1, 2]}});
    let patch = json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"ports": [3]}});
    assert_eq!(
        merge_patch(&live, &patch),
        json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"ports": [3]}})
    );
}

#[test]
fn json_patch_errors_map_to_400_and_422() {
    let live = json!({"spec": {"replicas": 1}});
    let malformed =
        json_patch(&live, &json!({"op": "replace"})).expect_err("not a list of operations");
    assert_eq!((malformed.code(), malformed.reason()), (400, "BadRequest"));
    assert_eq!(
        malformed.to_string(),
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
    );
    let unknown_op =
        json_patch(&live, &json!([{"op": "frobnicate", "path": "/spec"}])).expect_err("bad op");
    assert_eq!(unknown_op.code(), 400);
    let missing = json_patch(
        &live,
        &json!([{"op": "replace", "path": "/spec/paused", "value": true}]),
    )
    .expect_err("path does not exist");
    assert_eq!((missing.code(), missing.reason()), (422, "Invalid"));
    let status = missing.status();
    assert_eq!(
        status["message"],
        "the server rejected our request due to an error in our request"
    );
    assert_eq!(
        status["details"]["causes"][0]["reason"],
        "UnexpectedServerResponse"
    );
    let test_ok = json_patch(
        &live,
        &json!([{"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "add", "path": "/spec/paused", "value": true}]),
    )
    .expect("test then add");
    assert_eq!(test_ok, json!({"spec": {"replicas": 1, "paused": true}}));
}
