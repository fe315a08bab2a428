//! The default cluster shared by every plumb process: the first one owns and
//! serves the sandbox, later ones connect through its kubeconfig, and a dead
//! owner's kubeconfig does not stop the next process from taking over.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use plumb::sandbox::connect::{Connection, KUBECONFIG, default_connection};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({"metadata": {"name": name}, "data": {"k": "v"}}))
        .expect("configmap")
}

/// Starts `plumb sandbox serve` under `home` and waits until it serves.
fn spawn_server(home: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "serve"])
        .env("PLUMB_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn plumb sandbox serve");
    let stdout = child.stdout.take().expect("stdout");
    let printed = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("kubeconfig: "));
    assert!(
        printed.is_some(),
        "plumb sandbox serve printed its kubeconfig"
    );
    child
}

// Multi-threaded: this process serves kubectl while the test blocks on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_process_connects_and_a_dead_owner_is_taken_over() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    let kubeconfig = data.join("sandbox").join(KUBECONFIG);
    let mut server = spawn_server(home.path());

    let connection = default_connection(&data).await.expect("connect");
    assert!(
        matches!(connection, Connection::Remote(_)),
        "the server owns the state"
    );
    let cms: Api<ConfigMap> = Api::namespaced(connection.client(), "default");
    cms.create(&PostParams::default(), &cm("through-the-owner"))
        .await
        .expect("create through the owner");
    drop(connection);

    server.kill().expect("SIGKILL the owner");
    server.wait().expect("reap");
    assert!(
        kubeconfig.exists(),
        "a killed owner leaves its kubeconfig behind"
    );

    let connection = default_connection(&data).await.expect("take over");
    let Connection::Owner(owner) = &connection else {
        panic!("the lock is free, so this process owns the state now");
    };
    let served = owner.served.as_ref().expect("served");
    let text = std::fs::read_to_string(&kubeconfig).expect("new kubeconfig");
    assert!(
        text.contains(&served.address.to_string()),
        "the kubeconfig names the new owner"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kubeconfig)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let cms: Api<ConfigMap> = Api::namespaced(connection.client(), "default");
    let kept = cms
        .get("through-the-owner")
        .await
        .expect("the acknowledged write survived");
    assert_eq!(
        kept.data.and_then(|d| d.get("k").cloned()).as_deref(),
        Some("v")
    );

    // kubectl, a process nobody here wrote, reaches the cluster this process serves.
    let out = Command::new("kubectl")
        .args(["--kubeconfig"])
        .arg(&kubeconfig)
        .args(["get", "configmap", "through-the-owner", "-o", "name"])
        .output()
        .expect("kubectl");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "configmap/through-the-owner"
    );

    // A second server refuses while this process owns the state.
    let second = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "serve"])
        .env("PLUMB_HOME", home.path())
        .output()
        .expect("second server");
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("owned by another running plumb process")
    );

    drop(connection);
    assert!(
        !kubeconfig.exists(),
        "an owner that stops removes its kubeconfig"
    );
}

#[tokio::test]
async fn a_server_stopped_by_sigterm_removes_its_kubeconfig() {
    let home = tempfile::tempdir().expect("tempdir");
    let kubeconfig = home.path().join("data").join("sandbox").join(KUBECONFIG);
    let mut server = spawn_server(home.path());
    assert!(kubeconfig.exists());
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    assert!(server.wait().expect("reap").success());
    assert!(!kubeconfig.exists());
}
