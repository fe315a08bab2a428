//! Kubeconfig contexts against a served sandbox: destination resolution by
//! name, server and the in-cluster URL; an unreachable context is reported
//! with its URL while the reachable one keeps working; no kubeconfig means
//! the sandbox.

mod cluster_support;

use std::path::{Path, PathBuf};

use cluster_support::{create_config_map, find, gk, wait_for};
use kube::config::Kubeconfig;
use plumb::cluster::{ClusterError, ClusterHealth, Clusters, KindState, LiveCache};
use plumb::config::Paths;
use plumb::model::Destination;
use plumb::sandbox::Sandbox;
use plumb::sandbox::clock::Clock;

/// A port on 127.0.0.1 nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The served sandbox's kubeconfig with a second context, `down`, whose
/// server refuses connections; `sbx` is current.
fn two_contexts(served: &Path, down_server: &str, out: &Path) -> PathBuf {
    let mut config = Kubeconfig::read_from(served).expect("served kubeconfig");
    let user = config.contexts[0]
        .context
        .as_ref()
        .and_then(|c| c.user.clone());
    config.contexts[0].name = "sbx".into();
    let mut down_cluster = config.clusters[0].clone();
    down_cluster.name = "down".into();
    if let Some(cluster) = down_cluster.cluster.as_mut() {
        cluster.server = Some(down_server.to_owned());
    }
    config.clusters.push(down_cluster);
    let mut down_context = config.contexts[0].clone();
    down_context.name = "down".into();
    if let Some(context) = down_context.context.as_mut() {
        context.cluster = "down".into();
        context.user = user;
    }
    config.contexts.push(down_context);
    config.current_context = Some("sbx".into());
    let path = out.join("config");
    std::fs::write(&path, serde_yaml::to_string(&config).expect("yaml")).expect("write");
    path
}

fn by_name(name: &str) -> Destination {
    Destination {
        name: Some(name.into()),
        ..Destination::default()
    }
}

fn by_server(server: &str) -> Destination {
    Destination {
        server: Some(server.into()),
        namespace: Some("prod".into()),
        ..Destination::default()
    }
}

#[tokio::test]
async fn contexts_resolve_and_an_unreachable_one_does_not_stop_the_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::with_token(Clock::Real, "secret-token".into());
    let (served, server) = plumb::sandbox::serve::serve(&sandbox, 0, dir.path().join("served"))
        .await
        .expect("serve");
    tokio::spawn(server);
    let sandbox_url = format!("https://{}", served.address);
    let down_url = format!("https://127.0.0.1:{}", closed_port());
    let kubeconfig = two_contexts(&served.kubeconfig, &down_url, dir.path());
    let paths = Paths::under(&dir.path().join("home"));
    let missing = dir.path().join("missing-config");
    let clusters = Clusters::load(&paths, &[missing, kubeconfig])
        .await
        .expect("clusters");

    let infos = clusters.infos();
    let summary: Vec<(&str, &str, bool)> = infos
        .iter()
        .map(|i| (i.name.as_str(), i.server.as_str(), i.is_current))
        .collect();
    assert_eq!(
        summary,
        [
            ("sbx", sandbox_url.as_str(), true),
            ("down", down_url.as_str(), false)
        ]
    );
    assert!(
        clusters.sandbox().is_none(),
        "the sandbox is not opened when a kubeconfig exists"
    );

    let resolved = |d: Destination| clusters.resolve(&d).map(|c| c.info().name.clone());
    assert_eq!(resolved(by_name("down")), Ok("down".into()));
    assert_eq!(resolved(by_name("sbx")), Ok("sbx".into()));
    assert_eq!(resolved(by_name("in-cluster")), Ok("sbx".into()));
    assert_eq!(resolved(by_server(&down_url)), Ok("down".into()));
    assert_eq!(
        resolved(by_server(&format!("{sandbox_url}/"))),
        Ok("sbx".into())
    );
    assert_eq!(
        resolved(by_server("https://kubernetes.default.svc")),
        Ok("sbx".into())
    );
    let unknown = resolved(by_server("https://10.9.9.9:6443")).expect_err("unknown");
    assert!(matches!(unknown, ClusterError::UnknownDestination { .. }));
    assert!(
        unknown
            .to_string()
            .contains("server=https://10.9.9.9:6443 namespace=prod")
            && unknown.to_string().contains("down ("),
        "{unknown}"
    );
    let both = Destination {
        name: Some("sbx".into()),
        server: Some(sandbox_url.clone()),
        namespace: None,
    };
    assert!(matches!(
        resolved(both),
        Err(ClusterError::AmbiguousDestination { .. })
    ));
    assert!(matches!(
        resolved(Destination::default()),
        Err(ClusterError::UnknownDestination { .. })
    ));

    let sbx = clusters.resolve(&by_name("sbx")).expect("sbx");
    let down = clusters.resolve(&by_name("down")).expect("down");
    create_config_map(&sbx.client(), "default", "settings", "a").await;
    let live = sbx
        .list_live(&[gk("", "ConfigMap")], Some("default"))
        .await
        .expect("list over TLS");
    assert!(live.iter().any(|o| o["metadata"]["name"] == "settings"));
    let refused = down
        .list_live(&[gk("", "ConfigMap")], None)
        .await
        .expect_err("down");
    assert!(
        matches!(refused, ClusterError::Unreachable { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&down_url), "{refused}");

    let down_cache = LiveCache::start(down, vec![gk("", "ConfigMap")]);
    let sbx_cache = LiveCache::start(sbx, vec![gk("", "ConfigMap")]);
    let unreachable = wait_for(&down_cache, "the unreachable status", |s| {
        matches!(s.health, ClusterHealth::Unreachable(_))
    })
    .await;
    let ClusterHealth::Unreachable(error) = unreachable.health else {
        unreachable!("waited for it");
    };
    assert!(
        error
            .to_string()
            .starts_with(&format!("cluster down is unreachable at {down_url}")),
        "{error}"
    );
    let working = wait_for(&sbx_cache, "the reachable cluster synced", |s| {
        s.kinds.get(&gk("", "ConfigMap")) == Some(&KindState::Synced)
    })
    .await;
    assert!(find(&working, "ConfigMap", "settings").is_some());
    assert_eq!(sbx_cache.status(), ClusterHealth::Reachable);
}

#[tokio::test]
async fn a_context_without_its_cluster_is_reported_when_resolved() {
    let config = Kubeconfig::from_yaml(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: elsewhere\n  cluster:\n    server: https://10.1.1.1\ncontexts:\n- name: broken\n  context:\n    cluster: nowhere\n",
    )
    .expect("kubeconfig");
    let clusters = Clusters::from_kubeconfig(config).await;
    assert_eq!(clusters.infos().len(), 1);
    let error = clusters.resolve(&by_name("broken")).expect_err("broken");
    assert!(
        matches!(error, ClusterError::BadContext { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("cluster broken: its kubeconfig context is unusable"),
        "{error}"
    );
}

#[tokio::test]
async fn without_a_kubeconfig_the_sandbox_is_the_only_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths::under(dir.path());
    let clusters = Clusters::load(&paths, &[dir.path().join("no-such-kubeconfig")])
        .await
        .expect("clusters");
    let infos = clusters.infos();
    assert_eq!(infos.len(), 1);
    assert_eq!(
        (
            infos[0].name.as_str(),
            infos[0].server.as_str(),
            infos[0].is_sandbox,
            infos[0].is_current
        ),
        ("sandbox", "https://kubernetes.default.svc", true, true)
    );
    assert!(
        clusters.sandbox().is_some(),
        "this process owns the sandbox"
    );
    assert!(dir.path().join("data/sandbox").exists());
    let cluster = clusters
        .resolve(&by_server("https://kubernetes.default.svc"))
        .expect("in-cluster");
    let services = cluster
        .list_live(&[gk("", "Service")], Some("default"))
        .await
        .expect("list");
    assert!(
        services
            .iter()
            .any(|s| s["metadata"]["name"] == "kubernetes")
    );
}

#[tokio::test]
async fn rejected_credentials_name_the_user_and_make_the_cluster_unusable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::with_token(Clock::Real, "right-token".into());
    let (served, server) = plumb::sandbox::serve::serve(&sandbox, 0, dir.path().join("served"))
        .await
        .expect("serve");
    tokio::spawn(server);
    let text = std::fs::read_to_string(&served.kubeconfig).expect("kubeconfig");
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, text.replace("right-token", "wrong-token")).expect("write");
    let clusters = Clusters::load(&Paths::under(dir.path()), &[wrong])
        .await
        .expect("clusters");
    let cluster = clusters
        .resolve(&by_name("plumb-sandbox"))
        .expect("context");
    assert!(cluster.info().is_sandbox && cluster.info().is_current);

    let error = cluster.probe().await.expect_err("401");
    assert!(
        matches!(error, ClusterError::Unauthenticated { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("cluster plumb-sandbox rejected the credentials of user plumb-sandbox"),
        "{error}"
    );
    let cache = LiveCache::start(cluster, vec![gk("", "ConfigMap")]);
    wait_for(&cache, "the unusable status", |s| {
        matches!(
            &s.health,
            ClusterHealth::Unreachable(ClusterError::Unauthenticated { .. })
        )
    })
    .await;
}
