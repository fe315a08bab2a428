//! What every command needs: paths, settings, logging, and the root of the
//! desired state (explicit flags, then the settings file, then the demo).

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, WrapErr};
use tracing_appender::non_blocking::WorkerGuard;

use crate::config::{Paths, Settings};
use crate::source::demo::{DEMO_REPO_URL, DEMO_ROOT_PATH, ensure_demo_repo};
use crate::source::workspace::{RootSpec, Workspace};

/// Where the Application / AppProject / ApplicationSet manifests come from.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Repository URL or local path holding the manifests (default: settings, else the demo).
    #[arg(long, global = true)]
    pub repo: Option<String>,
    /// Branch, tag, commit SHA or HEAD.
    #[arg(long, global = true)]
    pub revision: Option<String>,
    /// Folder inside the repository holding the manifests.
    #[arg(long, global = true)]
    pub path: Option<String>,
    /// Use one Application file instead of a repository.
    #[arg(
        long = "app",
        global = true,
        value_name = "FILE",
        conflicts_with = "repo"
    )]
    pub app_file: Option<PathBuf>,
}

pub struct Context {
    pub workspace: Workspace,
    pub root: RootSpec,
    _log_guard: Option<WorkerGuard>,
}

impl Context {
    pub fn new(source: &SourceArgs) -> Result<Self> {
        let paths = Paths::discover()?;
        let log_guard = crate::logging::init(&paths.state_dir).ok();
        let loaded = Settings::load(&paths.settings_file())?;
        for warning in &loaded.warnings {
            super::print_stderr(format_args!("plumb: warning: {warning}"));
        }
        let settings = loaded.settings;
        let mut mirrors = settings.source.mirrors.clone();
        let root = resolve_root(source, &settings, &paths, &mut mirrors)?;
        let workspace = Workspace::new(&paths.cache_dir, mirrors);
        for warning in super::appset::install_clusters(&workspace, &settings) {
            super::print_stderr(format_args!("plumb: warning: {warning}"));
        }
        Ok(Self {
            workspace,
            root,
            _log_guard: log_guard,
        })
    }

    /// The workspace and root for a long-lived engine, with the log guard
    /// to keep while it runs.
    pub fn into_parts(self) -> (Workspace, RootSpec, Option<WorkerGuard>) {
        (self.workspace, self.root, self._log_guard)
    }
}

fn resolve_root(
    source: &SourceArgs,
    settings: &Settings,
    paths: &Paths,
    mirrors: &mut std::collections::BTreeMap<String, String>,
) -> Result<RootSpec> {
    if let Some(file) = &source.app_file {
        return Ok(RootSpec::File(file.clone()));
    }
    let configured = source.repo.clone().or_else(|| settings.source.repo.clone());
    let (repo, default_path) = match configured {
        Some(repo) => (repo, String::new()),
        None => {
            let demo =
                ensure_demo_repo(&paths.data_dir).wrap_err("cannot set up the demo repository")?;
            mirrors
                .entry(DEMO_REPO_URL.to_owned())
                .or_insert_with(|| demo.display().to_string());
            (DEMO_REPO_URL.to_owned(), DEMO_ROOT_PATH.to_owned())
        }
    };
    Ok(RootSpec::Repo {
        repo,
        revision: source
            .revision
            .clone()
            .or_else(|| settings.source.revision.clone())
            .unwrap_or_else(|| "HEAD".to_owned()),
        path: source
            .path
            .clone()
            .or_else(|| settings.source.path.clone())
            .unwrap_or(default_path),
    })
}
