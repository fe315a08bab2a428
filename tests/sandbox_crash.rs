//! Crash safety: `plumb sandbox serve` killed with SIGKILL in the middle of
//! a stream of writes loses none that it acknowledged, and resourceVersions
//! keep growing after the restart.

mod sandbox_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use rand::Rng;
use sandbox_support::start_at;

fn cm(i: usize) -> ConfigMap {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("cm-{i:05}")},
        "data": {"index": i.to_string()},
    }))
    .expect("configmap")
}

// Multi-threaded so the writer keeps writing while the test kills the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_loses_no_acknowledged_write() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut server = start_at(home.path());
    let cms: Api<ConfigMap> = Api::namespaced(server.client().await, "default");
    // Past the journal's snapshot threshold (1000 entries) now and then.
    let kill_after = rand::rng().random_range(50..1300);
    let acked: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let writer = {
        let acked = acked.clone();
        tokio::spawn(async move {
            for i in 0.. {
                match cms.create(&PostParams::default(), &cm(i)).await {
                    Ok(created) => {
                        let rv = created.metadata.resource_version.unwrap_or_default();
                        let rv = rv.parse::<u64>().expect("numeric resourceVersion");
                        let name = created.metadata.name.unwrap_or_default();
                        acked.lock().expect("lock").insert(name, rv);
                    }
                    Err(_) => return i,
                }
            }
            unreachable!("the loop ends when the server dies")
        })
    };
    while acked.lock().expect("lock").len() < kill_after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reap");
    let attempted = writer.await.expect("writer");
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= kill_after && attempted >= acked.len());

    let restarted = start_at(home.path());
    let cms: Api<ConfigMap> = Api::namespaced(restarted.client().await, "default");
    let stored: BTreeMap<String, ConfigMap> = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|c| (c.metadata.name.clone().unwrap_or_default(), c))
        .collect();
    let lost: Vec<&String> = acked
        .keys()
        .filter(|name| !stored.contains_key(*name))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost after SIGKILL at {kill_after}: {lost:?}"
    );
    for (name, cm) in &stored {
        if let Some(rv) = acked.get(name) {
            assert_eq!(
                cm.metadata.resource_version.as_deref(),
                Some(rv.to_string().as_str())
            );
        }
    }
    let highest = acked.values().max().copied().unwrap_or_default();
    let next = cms
        .create(&PostParams::default(), &cm(999_999))
        .await
        .expect("write after restart");
    let next_rv: u64 = next
        .metadata
        .resource_version
        .unwrap_or_default()
        .parse()
        .expect("rv");
    assert!(
        next_rv > highest,
        "resourceVersion {next_rv} after restart exceeds {highest}"
    );
}
