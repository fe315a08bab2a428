//! Benchmarks run by `plumb bench`: a generated fleet repository, the
//! baselines plumb is compared with (the real tools run directly), and
//! timing. Never part of the test suite: speed is measured here only.

pub mod appset;
pub mod baseline;
pub mod compare;
pub mod fleet;
pub mod measure;
pub mod render;
pub mod sandbox;
pub mod sync;
pub mod tui;

use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("fleet repository: {0}")]
    Git(#[from] git2::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Generate(String),
    #[error("baseline failed: {0}")]
    Baseline(String),
    #[error("plumb failed to render {app}: {message}")]
    Render { app: String, message: String },
    #[error(transparent)]
    Source(#[from] crate::source::git::GitError),
    #[error(transparent)]
    Workspace(#[from] crate::source::workspace::WorkspaceError),
}

impl BenchError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        BenchError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The two-worker tokio runtime the benchmarks that talk to a sandbox run on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| BenchError::io(Path::new("tokio runtime"), e))
}
