//! The sandbox's wire answers compared with the recorded kube-apiserver:
//! discovery, error Status bodies, field validation, watch framing.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use plumb::sandbox::Sandbox;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    fn lines(&self) -> Vec<Value> {
        self.body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("event line"))
            .collect()
    }
}

async fn send(
    sandbox: &Sandbox,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sandbox
        .router()
        .oneshot(req.body(Body::from(body)).expect("request"))
        .await
        .expect("response");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn post(sandbox: &Sandbox, uri: &str, body: Value) -> Answer {
    send(
        sandbox,
        "POST",
        uri,
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await
}

const CM_URI: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn aggregated_discovery_as_kubectl_asks() {
    let sandbox = Sandbox::new();
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let a = send(&sandbox, "GET", "/apis", &[("accept", accept)], Vec::new()).await;
    assert_eq!(
        a.headers["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let doc = a.json();
    assert_eq!(doc["kind"], "APIGroupDiscoveryList");
    let apps = doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .expect("apps");
    let deploy = apps["versions"][0]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["resource"] == "deployments")
        .expect("deployments");
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert_eq!(
        deploy["subresources"][0],
        json!({"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}, "verbs": ["get", "patch", "update"]})
    );
    let core = send(&sandbox, "GET", "/api", &[("accept", accept)], Vec::new())
        .await
        .json();
    assert!(core["items"][0]["metadata"].get("name").is_none());
    let legacy = send(&sandbox, "GET", "/api", &[], Vec::new()).await.json();
    assert_eq!(legacy["kind"], "APIVersions");
}

#[tokio::test]
async fn malformed_unsupported_and_oversized_bodies() {
    let sandbox = Sandbox::new();
    let a = send(
        &sandbox,
        "POST",
        CM_URI,
        &[("content-type", "application/json")],
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character 'n' looking for beginning of object key string ({not json)",
            "reason": "BadRequest", "code": 400})
    );
    post(
        &sandbox,
        CM_URI,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}),
    )
    .await;
    let a = send(
        &sandbox,
        "PATCH",
        &format!("{CM_URI}/cfg"),
        &[("content-type", "text/plain")],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(a.status, 415);
    assert_eq!(a.json()["message"], "415: Unsupported Media Type");
    let huge = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": "x".repeat(3 * 1024 * 1024 + 1)}});
    let a = post(&sandbox, CM_URI, huge).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["reason"], "RequestEntityTooLarge");
}

#[tokio::test]
async fn field_validation_strict_and_warn() {
    let sandbox = Sandbox::new();
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "dta": {"a": "1"}});
    let a = post(
        &sandbox,
        &format!("{CM_URI}?fieldValidation=Strict"),
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json()["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"dta\""
    );
    let a = post(&sandbox, CM_URI, body).await;
    assert_eq!(a.status, 201);
    assert_eq!(a.headers["warning"], "299 - \"unknown field \\\"dta\\\"\"");
}

#[tokio::test]
async fn watch_streams_initial_events_then_the_end_bookmark() {
    let sandbox = Sandbox::new();
    post(
        &sandbox,
        CM_URI,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}),
    )
    .await;
    let a = send(&sandbox, "GET", &format!("{CM_URI}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=0"), &[], Vec::new()).await;
    let events = a.lines();
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["metadata"]["name"], "cfg");
    let end = &events[1];
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(
        end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

#[tokio::test]
async fn watch_from_a_resource_version_and_from_compacted_history() {
    let sandbox = Sandbox::new();
    let list = send(&sandbox, "GET", CM_URI, &[], Vec::new()).await.json();
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_owned();
    post(
        &sandbox,
        CM_URI,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "watched"}}),
    )
    .await;
    send(
        &sandbox,
        "DELETE",
        &format!("{CM_URI}/watched"),
        &[],
        Vec::new(),
    )
    .await;
    let a = send(
        &sandbox,
        "GET",
        &format!("{CM_URI}?watch=1&resourceVersion={rv}&timeoutSeconds=0"),
        &[],
        Vec::new(),
    )
    .await;
    let types: Vec<String> = a
        .lines()
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(types, ["ADDED", "DELETED"]);

    sandbox.set_history_limit(1);
    for name in ["a", "b"] {
        post(
            &sandbox,
            CM_URI,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}),
        )
        .await;
    }
    let a = send(
        &sandbox,
        "GET",
        &format!("{CM_URI}?watch=1&resourceVersion={rv}&timeoutSeconds=0"),
        &[],
        Vec::new(),
    )
    .await;
    let events = a.lines();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
    assert!(
        events[0]["object"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(&format!("too old resource version: {rv} (")))
    );
}

#[tokio::test]
async fn unauthenticated_requests_get_the_real_401() {
    let sandbox = Sandbox::with_token(plumb::sandbox::clock::Clock::Real, "secret".into());
    let a = send(&sandbox, "GET", "/api/v1/namespaces", &[], Vec::new()).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    let ok = send(
        &sandbox,
        "GET",
        "/api/v1/namespaces",
        &[("authorization", "Bearer secret")],
        Vec::new(),
    )
    .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn table_for_kubectl_get() {
    let sandbox = Sandbox::new();
    let a = send(&sandbox, "GET", "/api/v1/namespaces/default/services", &[("accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")], Vec::new()).await;
    let t = a.json();
    assert_eq!(t["kind"], "Table");
    let names: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .expect("cols")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Name",
            "Type",
            "Cluster-IP",
            "External-IP",
            "Port(s)",
            "Age",
            "Selector"
        ]
    );
    let cells = t["rows"][0]["cells"].as_array().expect("cells");
    assert_eq!(
        cells[..5],
        json!(["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"])
            .as_array()
            .expect("cells")[..]
    );
}

#[tokio::test]
async fn injected_faults_answer_like_an_overloaded_server() {
    use plumb::sandbox::faults::{FaultEffect, FaultRule};
    let sandbox = Sandbox::new();
    sandbox.faults().add(FaultRule {
        verb: Some("list".into()),
        kind: Some("ConfigMap".into()),
        rate: 1.0,
        effect: FaultEffect::TooManyRequests { retry_after: 3 },
    });
    let a = send(&sandbox, "GET", CM_URI, &[], Vec::new()).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["retry-after"], "3");
    assert_eq!(a.json()["reason"], "TooManyRequests");
    let other = send(
        &sandbox,
        "GET",
        "/api/v1/namespaces/default/secrets",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(other.status, 200, "rules only hit their verb and kind");
    sandbox.faults().clear();
    sandbox.faults().add(FaultRule {
        verb: None,
        kind: None,
        rate: 1.0,
        effect: FaultEffect::Error(503),
    });
    let a = send(&sandbox, "GET", CM_URI, &[], Vec::new()).await;
    assert_eq!(
        (a.status.as_u16(), a.json()["reason"].clone()),
        (503, json!("ServiceUnavailable"))
    );
}

#[tokio::test]
async fn watch_with_a_selector_sees_objects_enter_and_leave() {
    let sandbox = Sandbox::new();
    let rv =
        send(&sandbox, "GET", CM_URI, &[], Vec::new()).await.json()["metadata"]["resourceVersion"]
            .as_str()
            .expect("rv")
            .to_owned();
    post(&sandbox, CM_URI, json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m", "labels": {"tier": "db"}}})).await;
    let merge = [("content-type", "application/merge-patch+json")];
    send(
        &sandbox,
        "PATCH",
        &format!("{CM_URI}/m"),
        &merge,
        br#"{"metadata":{"labels":{"tier":"web"}}}"#.to_vec(),
    )
    .await;
    send(
        &sandbox,
        "PATCH",
        &format!("{CM_URI}/m"),
        &merge,
        br#"{"data":{"a":"1"}}"#.to_vec(),
    )
    .await;
    send(
        &sandbox,
        "PATCH",
        &format!("{CM_URI}/m"),
        &merge,
        br#"{"metadata":{"labels":{"tier":"db"}}}"#.to_vec(),
    )
    .await;
    let a = send(
        &sandbox,
        "GET",
        &format!("{CM_URI}?watch=1&resourceVersion={rv}&labelSelector=tier%3Dweb&timeoutSeconds=0"),
        &[],
        Vec::new(),
    )
    .await;
    let types: Vec<String> = a
        .lines()
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn immutable_selector_and_kept_cluster_ip() {
    let sandbox = Sandbox::new();
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web", "v": "2"}},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}});
    post(
        &sandbox,
        "/apis/apps/v1/namespaces/default/deployments",
        deploy,
    )
    .await;
    let merge = [("content-type", "application/merge-patch+json")];
    let a = send(
        &sandbox,
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        &merge,
        br#"{"spec":{"selector":{"matchLabels":{"v":"2"}}}}"#.to_vec(),
    )
    .await;
    assert_eq!(a.status, 422);
    assert_eq!(
        a.json()["message"],
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    );

    let svc_uri = "/api/v1/namespaces/default/services";
    let created = post(&sandbox, svc_uri, json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}})).await.json();
    let mut replaced = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 81}]}});
    replaced["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"].clone();
    let a = send(
        &sandbox,
        "PUT",
        &format!("{svc_uri}/web"),
        &[("content-type", "application/json")],
        replaced.to_string().into_bytes(),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["spec"]["clusterIP"], created["spec"]["clusterIP"]);
}

#[tokio::test]
async fn hpa_is_served_in_both_versions() {
    let sandbox = Sandbox::new();
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 65}}}]}});
    let created = post(
        &sandbox,
        "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
        hpa,
    )
    .await;
    assert_eq!(created.status, 201);
    let v1 = send(
        &sandbox,
        "GET",
        "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web",
        &[],
        Vec::new(),
    )
    .await
    .json();
    assert_eq!(v1["apiVersion"], "autoscaling/v1");
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 65);
}

#[tokio::test]
async fn custom_resources_need_a_resource_version_to_update() {
    let sandbox = Sandbox::new();
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    assert_eq!(
        post(
            &sandbox,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd
        )
        .await
        .status,
        201
    );
    let uri = "/apis/example.com/v1/namespaces/default/widgets";
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"a": 1}});
    assert_eq!(post(&sandbox, uri, w.clone()).await.status, 201);
    let a = send(
        &sandbox,
        "PUT",
        &format!("{uri}/w"),
        &[("content-type", "application/json")],
        w.to_string().into_bytes(),
    )
    .await;
    assert_eq!(a.status, 422);
    assert_eq!(
        a.json()["message"],
        "Widget.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
    );
    let health = send(&sandbox, "GET", "/readyz", &[], Vec::new()).await;
    assert_eq!(
        (health.status.as_u16(), health.body.as_slice()),
        (200, b"ok".as_slice())
    );
}
