//! The baseline plumb's rendering is compared with: the real tools run
//! directly on the fleet's work tree, `kubectl kustomize DIR` per Kustomize
//! app, and reading and parsing every file of each plain app, on the same
//! number of threads as plumb; and `kubectl apply --server-side`, the
//! baseline of the sandbox and sync benchmarks.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::BenchError;
use super::fleet::FleetApp;

/// Renders every app the baseline way; returns the number of objects.
pub fn render_fleet(
    work_tree: &Path,
    apps: &[FleetApp],
    kubectl: &Path,
    threads: usize,
) -> Result<usize, BenchError> {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut objects = 0;
                    while let Some(app) = apps.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let dir = work_tree.join(&app.path);
                        objects += if app.kustomize {
                            kustomize(kubectl, &dir)?
                        } else {
                            plain(&dir)?
                        };
                    }
                    Ok(objects)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .sum()
    })
}

fn kustomize(kubectl: &Path, dir: &Path) -> Result<usize, BenchError> {
    let output = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BenchError::io(kubectl, e))?;
    if !output.status.success() {
        return Err(BenchError::Baseline(format!(
            "kubectl kustomize {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    count_documents(&String::from_utf8_lossy(&output.stdout), dir)
}

fn plain(dir: &Path) -> Result<usize, BenchError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| BenchError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut objects = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| BenchError::io(&file, e))?;
        objects += count_documents(&text, &file)?;
    }
    Ok(objects)
}

fn count_documents(text: &str, origin: &Path) -> Result<usize, BenchError> {
    let mut count = 0;
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = serde_json::Value::deserialize(document)
            .map_err(|e| BenchError::Baseline(format!("{}: {e}", origin.display())))?;
        if !value.is_null() {
            count += 1;
        }
    }
    Ok(count)
}

/// Times `kubectl apply --server-side -f <manifests>` against a served
/// sandbox and checks that it applied `expected` objects.
pub async fn kubectl_apply_server_side(
    kubectl: &Path,
    kubeconfig: &Path,
    manifests: &Path,
    cache_root: &Path,
    field_manager: &str,
    expected: usize,
) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let output = tokio::process::Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args([
            "apply",
            "--server-side",
            "--field-manager",
            field_manager,
            "-f",
        ])
        .arg(manifests)
        .env("KUBECACHEDIR", cache_root.join("kubecache"))
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| BenchError::io(kubectl, e))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        return Err(BenchError::Baseline(format!(
            "kubectl apply --server-side: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let applied = String::from_utf8_lossy(&output.stdout).lines().count();
    if applied != expected {
        return Err(BenchError::Baseline(format!(
            "kubectl applied {applied} of {expected} objects"
        )));
    }
    Ok(elapsed)
}
