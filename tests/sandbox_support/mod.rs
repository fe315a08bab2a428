//! Shared by the tests that run the real binary: a `plumb sandbox serve`
//! child process and kubectl pointed at it.
#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A running `plumb sandbox serve`, stopped on drop.
pub struct Server {
    pub child: Child,
    pub kubeconfig: PathBuf,
    /// Kept alive for the server's lifetime when the server made it.
    pub home: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn start() -> Server {
    let home = tempfile::tempdir().expect("tempdir");
    let mut server = start_at(home.path());
    server.home = Some(home);
    server
}

/// Serves the sandbox stored under `home` (PLUMB_HOME).
pub fn start_at(home: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["sandbox", "serve"])
        .env("PLUMB_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn plumb");
    let stdout = child.stdout.take().expect("stdout");
    let mut kubeconfig = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(path) = line.strip_prefix("kubeconfig: ") {
            kubeconfig = Some(PathBuf::from(path));
            break;
        }
    }
    Server {
        child,
        kubeconfig: kubeconfig.expect("serve printed the kubeconfig path"),
        home: None,
    }
}

pub fn kubectl_in(
    kubeconfig: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new("kubectl");
    cmd.args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", kubeconfig.with_file_name("kubecache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn kubectl");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("kubectl output")
}

impl Server {
    /// A kube-rs client through the kubeconfig the server wrote.
    pub async fn client(&self) -> kube::Client {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config");
        kube::Client::try_from(config).expect("client")
    }

    pub fn kubectl(&self, args: &[&str]) -> Output {
        kubectl_in(&self.kubeconfig, args, None, &[])
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn apply_stdin(&self, args: &[&str], manifest: &str) -> Output {
        kubectl_in(&self.kubeconfig, args, Some(manifest), &[])
    }
}
