//! Injected faults seen through kube-rs: 10% each of 500, 409 and 429 on
//! writes answer with the Status bodies (and Retry-After) a real server
//! sends, and a failed write changes nothing.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use kube::core::Status;
use plumb::sandbox::Sandbox;
use plumb::sandbox::faults::{FaultEffect, FaultRule};

fn cm(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({"metadata": {"name": name}, "data": {"v": value}}))
        .expect("configmap")
}

fn rule(verb: &str, effect: FaultEffect) -> FaultRule {
    FaultRule {
        verb: Some(verb.into()),
        kind: Some("ConfigMap".into()),
        rate: 0.1,
        effect,
    }
}

/// Checks one failure's Status and returns its code.
fn check_status(status: &Status, name: &str) -> u16 {
    match status.code {
        500 => {
            assert_eq!(status.reason, "InternalError");
            assert_eq!(status.message, "Internal error occurred: injected fault");
        }
        409 => {
            assert_eq!(status.reason, "Conflict");
            assert_eq!(
                status.message,
                format!(
                    "Operation cannot be fulfilled on configmaps \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
                )
            );
            let details = status.details.as_ref().expect("conflict details");
            assert_eq!(
                (details.name.as_str(), details.kind.as_str()),
                (name, "configmaps")
            );
        }
        429 => {
            assert_eq!(status.reason, "TooManyRequests");
            let details = status.details.as_ref().expect("429 details");
            assert_eq!(details.retry_after_seconds, 2);
        }
        other => panic!("unexpected {other}: {status:?}"),
    }
    status.code
}

#[tokio::test]
async fn injected_write_faults_answer_with_real_status_bodies() {
    let sandbox = Sandbox::new();
    {
        let mut faults = sandbox.faults();
        for verb in ["create", "update"] {
            faults.add(rule(verb, FaultEffect::Error(500)));
            faults.add(rule(verb, FaultEffect::TooManyRequests { retry_after: 2 }));
        }
        faults.add(rule("update", FaultEffect::Error(409)));
    }
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client(), "default");
    let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
    let mut created = Vec::new();
    for i in 0..200 {
        let name = format!("cm-{i}");
        match cms.create(&PostParams::default(), &cm(&name, "1")).await {
            Ok(_) => created.push(name),
            Err(kube::Error::Api(status)) => {
                *seen.entry(check_status(&status, &name)).or_default() += 1
            }
            Err(other) => panic!("{other}"),
        }
    }
    let mut updated = Vec::new();
    for name in &created {
        let mut live = cms.get(name).await.expect("get is not faulted");
        live.data = Some([("v".to_owned(), "2".to_owned())].into());
        match cms.replace(name, &PostParams::default(), &live).await {
            Ok(_) => updated.push(name.clone()),
            Err(kube::Error::Api(status)) => {
                *seen.entry(check_status(&status, name)).or_default() += 1
            }
            Err(other) => panic!("{other}"),
        }
    }
    for code in [500, 409, 429] {
        assert!(
            seen.get(&code).is_some_and(|n| *n > 0),
            "no {code} among {seen:?}"
        );
    }
    let total_failures: usize = seen.values().sum();
    assert!(
        total_failures < 150,
        "about one write in four fails: {seen:?}"
    );

    sandbox.faults().clear();
    let stored: BTreeMap<String, String> = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|c| Some((c.metadata.name?, c.data?.get("v")?.clone())))
        .collect();
    assert_eq!(
        stored.len(),
        created.len(),
        "exactly the acknowledged creates exist"
    );
    for name in &created {
        let want = if updated.contains(name) { "2" } else { "1" };
        assert_eq!(stored.get(name).map(String::as_str), Some(want), "{name}");
    }
}

#[tokio::test]
async fn a_429_carries_retry_after() {
    let sandbox = Sandbox::new();
    sandbox.faults().add(FaultRule {
        verb: Some("create".into()),
        kind: None,
        rate: 1.0,
        effect: FaultEffect::TooManyRequests { retry_after: 2 },
    });
    let body = serde_json::to_vec(&cm("x", "1")).expect("json");
    let request = http::Request::post("/api/v1/namespaces/default/configmaps")
        .header("content-type", "application/json")
        .body(body)
        .expect("request");
    let response = sandbox
        .client()
        .send(request.map(Into::into))
        .await
        .expect("send");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
}
