//! Server-side apply through kube-rs (`Patch::Apply` over the sandbox's HTTP
//! API, the way plumb's cluster adapter writes) against a real kube-apiserver
//! 1.32's recorded session (ssa.json): managedFields after create, a scale by
//! another manager, the 409 conflict, forced dry run and apply, and dropping
//! an owned field. The deployment controller's own entry is left out: no
//! controller runs here.

use kube::api::{Api, DynamicObject, GroupVersionKind, Patch, PatchParams};
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;
use serde_json::{Value, json};

const SSA: &str = include_str!("../src/sandbox/patch/testdata/ssa.json");
const RECORDED_TIME: &str = "2026-11-22T02:24:41Z";
const CONTROLLER: &str = "kube-controller-manager";

fn request_body(step: &Value) -> Value {
    let body = &step["request"]["body"];
    match body.as_str() {
        Some(text) => serde_json::from_str(text).expect("recorded request body"),
        None => body.clone(),
    }
}

/// Every managedFields entry but the controller's, whole (time included).
fn entries(object: &Value) -> Vec<Value> {
    object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["manager"] != CONTROLLER)
        .collect()
}

fn params(force: bool, dry_run: bool) -> PatchParams {
    let mut params = PatchParams::apply("plumb");
    params.force = force;
    params.dry_run = dry_run;
    params
}

async fn apply(api: &Api<DynamicObject>, step: &Value, params: &PatchParams) -> Value {
    let applied = api
        .patch("api", params, &Patch::Apply(request_body(step)))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", step["note"]));
    serde_json::to_value(applied).expect("json")
}

#[tokio::test]
async fn kube_rs_apply_session_matches_the_recorded_managed_fields() {
    let steps: Vec<Value> = serde_json::from_str(SSA).expect("recording");
    let sandbox = Sandbox::with_clock(Clock::manual(RECORDED_TIME.parse().expect("time")));
    let client = sandbox.client();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &Default::default(),
            &serde_json::from_value(json!({"metadata": {"name": "transcript"}})).expect("ns"),
        )
        .await
        .expect("namespace");
    let gvk = GroupVersionKind::gvk("apps", "v1", "Deployment");
    let (resource, _) = kube::discovery::pinned_kind(&client, &gvk)
        .await
        .expect("discover");
    let api: Api<DynamicObject> = Api::namespaced_with(client, "transcript", &resource);
    let recorded = |n: usize| entries(&steps[n]["response"]["body"]);

    let created = apply(&api, &steps[0], &params(false, false)).await;
    assert_eq!(entries(&created), recorded(0), "{}", steps[0]["note"]);

    let scale = PatchParams {
        field_manager: Some("kubectl".into()),
        ..PatchParams::default()
    };
    api.patch_scale("api", &scale, &Patch::Merge(request_body(&steps[1])))
        .await
        .expect("scale");
    let scaled = serde_json::to_value(api.get("api").await.expect("get")).expect("json");
    assert_eq!(scaled["spec"]["replicas"], 5);
    let kubectl: Vec<Value> = entries(&scaled)
        .into_iter()
        .filter(|e| e["manager"] == "kubectl")
        .collect();
    assert_eq!(
        kubectl,
        [
            json!({"manager": "kubectl", "operation": "Update", "apiVersion": "apps/v1",
            "time": RECORDED_TIME, "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}}}, "subresource": "scale"})
        ]
    );

    let conflict = api
        .patch(
            "api",
            &params(false, false),
            &Patch::Apply(request_body(&steps[2])),
        )
        .await
        .expect_err("re-apply without force conflicts with the scale");
    let expected = &steps[2]["response"]["body"];
    match conflict {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409);
            assert_eq!(Some(status.message.as_str()), expected["message"].as_str());
            assert_eq!(Some(status.reason.as_str()), expected["reason"].as_str());
        }
        other => panic!("not an API error: {other}"),
    }

    let dry = apply(&api, &steps[3], &params(true, true)).await;
    assert_eq!(entries(&dry), recorded(3), "{}", steps[3]["note"]);
    let unchanged = serde_json::to_value(api.get("api").await.expect("get")).expect("json");
    assert_eq!(
        entries(&unchanged),
        entries(&scaled),
        "a dry run stores nothing"
    );

    let forced = apply(&api, &steps[4], &params(true, false)).await;
    assert_eq!(entries(&forced), recorded(4), "{}", steps[4]["note"]);
    assert_eq!(forced["spec"]["replicas"], 3);

    let dropped = apply(&api, &steps[5], &params(false, false)).await;
    assert_eq!(entries(&dropped), recorded(5), "{}", steps[5]["note"]);
    assert_eq!(
        dropped["spec"]["replicas"], steps[5]["response"]["body"]["spec"]["replicas"],
        "the dropped field is defaulted again"
    );
}
