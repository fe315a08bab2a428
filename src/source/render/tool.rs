//! External tools (helm, kustomize): located on PATH, run without a shell,
//! stopped after a timeout, their stderr kept for the error.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{DEFAULT_TOOL_TIMEOUT, RenderCause};

/// How Kustomize builds are run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KustomizeTool {
    /// A standalone `kustomize` binary: `kustomize build DIR`.
    Standalone(PathBuf),
    /// kubectl's built-in Kustomize: `kubectl kustomize DIR`.
    Kubectl(PathBuf),
}

/// Tools and limits for rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    pub timeout: Duration,
    pub helm: Option<PathBuf>,
    pub kustomize: Option<KustomizeTool>,
    /// Scratch space for private per-render copies; on the same filesystem as
    /// the checkouts so they can be hard-linked.
    pub scratch_dir: PathBuf,
    /// Used for HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME when unset.
    pub helm_home: PathBuf,
}

impl RenderOptions {
    /// Tools found on PATH (`helm`; `kustomize`, else `kubectl kustomize`),
    /// scratch and Helm directories under `cache_dir`.
    pub fn from_path(cache_dir: &Path) -> Self {
        let kustomize = find_on_path("kustomize")
            .map(KustomizeTool::Standalone)
            .or_else(|| find_on_path("kubectl").map(KustomizeTool::Kubectl));
        RenderOptions {
            timeout: DEFAULT_TOOL_TIMEOUT,
            helm: find_on_path("helm"),
            kustomize,
            scratch_dir: cache_dir.join("scratch"),
            helm_home: cache_dir.join("helm"),
        }
    }

    /// Identity of the tools for cache keys: their paths, sizes and mtimes.
    pub fn tool_identity(&self) -> String {
        let describe = |path: &Path| {
            let meta = std::fs::metadata(path).ok();
            let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            let modified = meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!("{}:{size}:{modified}", path.display())
        };
        let helm = self.helm.as_deref().map(describe).unwrap_or_default();
        let kustomize = match &self.kustomize {
            Some(KustomizeTool::Standalone(p)) => format!("kustomize={}", describe(p)),
            Some(KustomizeTool::Kubectl(p)) => format!("kubectl={}", describe(p)),
            None => String::new(),
        };
        format!("helm={helm};{kustomize}")
    }
}

/// The first file named `name` in a `PATH` folder.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// One tool invocation.
pub(super) struct ToolRun<'a> {
    /// How the tool is named in errors, e.g. `helm template`.
    pub label: String,
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub cwd: &'a Path,
    /// The checkout (or private copy) the tool reads: shown as repository
    /// paths in error messages.
    pub repo_root: &'a Path,
    pub env: Vec<(OsString, OsString)>,
    pub timeout: Duration,
}

/// Runs the tool and returns its stdout; a non-zero exit or a timeout is an
/// error carrying stderr.
pub(super) fn run(tool: ToolRun<'_>) -> Result<String, RenderCause> {
    let mut child = Command::new(tool.program)
        .args(&tool.args)
        .current_dir(tool.cwd)
        .envs(tool.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RenderCause::Tool {
            tool: tool.label.clone(),
            stderr: format!("cannot start {}: {e}", tool.program.display()),
        })?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let deadline = Instant::now() + tool.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let out = stdout.map(join).unwrap_or_default();
    let err = stderr.map(join).unwrap_or_default();
    match status {
        None => Err(RenderCause::Timeout {
            tool: tool.label,
            seconds: tool.timeout.as_secs(),
        }),
        Some(status) if status.success() => Ok(String::from_utf8_lossy(&out).into_owned()),
        Some(status) => {
            let text = repo_paths(String::from_utf8_lossy(&err).trim(), tool.repo_root);
            Err(RenderCause::Tool {
                tool: tool.label,
                stderr: if text.is_empty() {
                    format!("exited with {status}")
                } else {
                    text
                },
            })
        }
    }
}

/// Rewrites absolute paths under `root` as repository-relative ones.
fn repo_paths(text: &str, root: &Path) -> String {
    let root = root.to_string_lossy();
    text.replace(&format!("{root}/"), "")
        .replace(root.as_ref(), ".")
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

fn join(handle: std::thread::JoinHandle<Vec<u8>>) -> Vec<u8> {
    handle.join().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Result<String, RenderCause> {
        let root = Path::new("/tmp/checkout");
        run(ToolRun {
            label: "test tool".into(),
            program: Path::new("/bin/sh"),
            args: vec!["-c".into(), script.into()],
            cwd: Path::new("/"),
            repo_root: root,
            env: vec![("GREETING".into(), "hi".into())],
            timeout,
        })
    }

    #[test]
    fn stdout_env_and_stderr_are_kept() {
        assert_eq!(
            sh("echo $GREETING", Duration::from_secs(30)).expect("runs"),
            "hi\n"
        );
        let err = sh(
            "echo 'open /tmp/checkout/app/x.yaml: missing' >&2; exit 3",
            Duration::from_secs(30),
        )
        .expect_err("fails");
        assert_eq!(
            err.to_string(),
            "test tool failed: open app/x.yaml: missing"
        );
    }

    #[test]
    fn a_tool_past_its_timeout_is_stopped() {
        let err = sh("exec sleep 30", Duration::from_millis(50)).expect_err("stopped");
        assert!(matches!(err, RenderCause::Timeout { .. }), "{err}");
    }
}
