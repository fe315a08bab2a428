//! The desired-state side of one plumb process: repositories (opened once per
//! URL, fetched once per process, mirrors applied), the catalog of apps under
//! the root, and rendered apps through the content-keyed cache.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use git2::Oid;
use thiserror::Error;

use super::RenderedObject;
use super::cache::RenderCache;
use super::discovery::{self, Catalog, Fleet};
use super::git::{CommitInfo, GitError, Repo};
use super::render::{AppRender, RenderError, RenderOptions};
use super::safe_path::{self, PathError};
use crate::engine::appset::ClusterInfo;
use crate::model::{Application, ApplicationSource, kind_of};

/// Where the root manifests come from.
#[derive(Debug, Clone, PartialEq)]
pub enum RootSpec {
    /// A folder of a repository at a revision.
    Repo {
        repo: String,
        revision: String,
        path: String,
    },
    /// One Application file (`--app FILE`).
    File(PathBuf),
}

#[derive(Debug, Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("application {app} has no source with a path or chart")]
    NoSource { app: String },
    #[error("application {app}: {source}")]
    Path { app: String, source: PathError },
}

/// Fetches `repo`; when that fails the commits already mirrored are used.
fn fetch_or_keep(repo: &Repo, location: &str) {
    if let Err(e) = repo.fetch() {
        tracing::warn!("fetch of {location} failed, using the last fetched commits: {e}");
    }
}

/// The rendered desired objects of an application at a resolved commit.
#[derive(Debug, Clone)]
pub struct RenderedApp {
    pub objects: Arc<Vec<RenderedObject>>,
    /// The commit each rendered source was read from (one per source).
    pub revisions: Vec<String>,
}

pub struct Workspace {
    cache_dir: PathBuf,
    mirrors: BTreeMap<String, String>,
    repos: Mutex<HashMap<String, Arc<Repo>>>,
    fetched: Mutex<HashSet<String>>,
    cache: RenderCache,
    options: RenderOptions,
    /// The clusters the ApplicationSet cluster generator sees besides the
    /// cluster Secrets under the root.
    clusters: Mutex<Arc<Vec<ClusterInfo>>>,
}

impl Workspace {
    pub fn new(cache_dir: &Path, mirrors: BTreeMap<String, String>) -> Self {
        Self {
            cache_dir: cache_dir.to_path_buf(),
            mirrors,
            repos: Mutex::new(HashMap::new()),
            fetched: Mutex::new(HashSet::new()),
            cache: RenderCache::new(cache_dir),
            options: RenderOptions::from_path(cache_dir),
            clusters: Mutex::new(Arc::new(Vec::new())),
        }
    }

    /// Sets the clusters plumb knows (kubeconfig contexts, labelled from
    /// settings; see `engine::appset::known_clusters`) for the cluster
    /// generator. Until called, only the cluster Secrets under the root and
    /// the local `in-cluster` are known.
    pub fn set_clusters(&self, clusters: Vec<ClusterInfo>) {
        *self.clusters.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clusters);
    }

    /// The clusters given to [`Workspace::set_clusters`].
    pub fn clusters(&self) -> Arc<Vec<ClusterInfo>> {
        self.clusters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// An exported checkout of a repository at a revision, for generators.
    fn checkout(&self, url: &str, revision: &str) -> Result<PathBuf, String> {
        let repo = self.repo(url).map_err(|e| e.to_string())?;
        let commit = repo.resolve(revision).map_err(|e| e.to_string())?;
        repo.export(commit, &self.cache_dir)
            .map_err(|e| e.to_string())
    }

    /// The repository behind a URL (after mirrors), cloned on first use and
    /// fetched once per process (a cached mirror too). A failed fetch of an
    /// existing mirror keeps the commits already there, so plumb works while
    /// Git is unreachable (rollback to a recorded commit, for one).
    pub fn repo(&self, url: &str) -> Result<Arc<Repo>, GitError> {
        let location = self.mirrors.get(url).map_or(url, String::as_str).to_owned();
        let repo = {
            let mut repos = self.repos.lock().unwrap_or_else(|e| e.into_inner());
            match repos.get(&location) {
                Some(repo) => repo.clone(),
                None => {
                    // Fetched under the lock, so no other thread reads the
                    // cached mirror before it is brought up to date.
                    let repo = Arc::new(Repo::open(&location, &self.cache_dir)?);
                    repos.insert(location.clone(), repo.clone());
                    let already = self.mark_fetched(&location);
                    if !already && !repo.was_cloned() {
                        fetch_or_keep(&repo, &location);
                    }
                    return Ok(repo);
                }
            }
        };
        if !self.mark_fetched(&location) {
            fetch_or_keep(&repo, &location);
        }
        Ok(repo)
    }

    /// Fetches every repository again on the next use (refresh).
    pub fn forget_fetches(&self) {
        self.fetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Marks a location fetched; true when it already was.
    fn mark_fetched(&self, location: &str) -> bool {
        !self
            .fetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(location.to_owned())
    }

    /// The catalog under the root: apps (with app-of-apps children and the
    /// apps ApplicationSets generate, each with its origin), projects,
    /// ApplicationSets and every diagnostic. Children are found by rendering
    /// each app; a render failure only means that app has no children here.
    pub fn catalog(&self, root: &RootSpec) -> Result<Catalog, WorkspaceError> {
        let mut render_children = |app: &Application| {
            let objects = self
                .render_app(app, false)
                .map(|rendered| rendered.objects.as_ref().clone())
                .map_err(|e| e.to_string())?;
            self.warm_children(&objects);
            Ok(objects)
        };
        let clusters = self.clusters();
        let repo_dir = |url: &str, revision: &str| self.checkout(url, revision);
        let fleet = Fleet {
            clusters: &clusters,
            repo_dir: &repo_dir,
        };
        match root {
            RootSpec::File(file) => Ok(discovery::load_single_with_appsets(file, &fleet)),
            RootSpec::Repo {
                repo,
                revision,
                path,
            } => {
                let repo = self.repo(repo)?;
                let commit = repo.resolve(revision)?;
                let checkout = repo.export(commit, &self.cache_dir)?;
                Ok(discovery::discover_with_appsets(
                    &checkout,
                    path,
                    &mut render_children,
                    &fleet,
                ))
            }
        }
    }

    /// Renders the Applications among `objects` side by side, so that
    /// discovery, which walks the apps one by one, finds their output in
    /// the render cache. Failures are left for that walk to report.
    fn warm_children(&self, objects: &[RenderedObject]) {
        let children: Vec<Application> = objects
            .iter()
            .filter(|o| kind_of(&o.object) == "Application")
            .filter_map(|o| serde_json::from_value(o.object.clone()).ok())
            .collect();
        if children.len() > 1 {
            let threads = std::thread::available_parallelism().map_or(2, usize::from);
            self.render_all(&children, false, threads);
        }
    }

    /// Renders every source of an app that has a path or chart (`ref`-only
    /// sources contribute nothing of their own) and concatenates the objects.
    pub fn render_app(&self, app: &Application, hard: bool) -> Result<RenderedApp, WorkspaceError> {
        let namespace = app.spec.destination_namespace().to_owned();
        let mut objects = Vec::new();
        let mut revisions = Vec::new();
        let mut rendered_any = false;
        for source in app.spec.all_sources() {
            if source.path.is_none() && source.chart.is_none() {
                continue;
            }
            rendered_any = true;
            let (commit, rendered) =
                self.render_source(&app.metadata.name, source, &namespace, hard)?;
            revisions.push(commit.to_string());
            objects.extend(rendered.iter().cloned());
        }
        if !rendered_any {
            return Err(WorkspaceError::NoSource {
                app: app.metadata.name.clone(),
            });
        }
        Ok(RenderedApp {
            objects: Arc::new(objects),
            revisions,
        })
    }

    /// Renders many apps on `threads` worker threads (at least one); the
    /// results are in the order of `apps`. One app's failure does not stop
    /// the others.
    pub fn render_all(
        &self,
        apps: &[Application],
        hard: bool,
        threads: usize,
    ) -> Vec<Result<RenderedApp, WorkspaceError>> {
        let next = AtomicUsize::new(0);
        let mut indexed: Vec<(usize, Result<RenderedApp, WorkspaceError>)> =
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads.clamp(1, apps.len().max(1)))
                    .map(|_| {
                        scope.spawn(|| {
                            let mut done = Vec::new();
                            loop {
                                let index = next.fetch_add(1, Ordering::Relaxed);
                                let Some(app) = apps.get(index) else { break };
                                done.push((index, self.render_app(app, hard)));
                            }
                            done
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|worker| {
                        worker
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
        indexed.sort_by_key(|(index, _)| *index);
        indexed.into_iter().map(|(_, result)| result).collect()
    }

    /// The commits that changed the app's source path (its first source with
    /// a path), newest first, read at the app's resolved revision.
    pub fn app_history(
        &self,
        app: &Application,
        limit: usize,
    ) -> Result<Vec<CommitInfo>, WorkspaceError> {
        let name = &app.metadata.name;
        let (source, path) = app
            .spec
            .all_sources()
            .into_iter()
            .find_map(|s| s.path.as_deref().map(|p| (s, p)))
            .ok_or_else(|| WorkspaceError::NoSource { app: name.clone() })?;
        let path = safe_path::repo_relative("", path).map_err(|source| WorkspaceError::Path {
            app: name.clone(),
            source,
        })?;
        let repo = self.repo(&source.repo_url)?;
        let commit = repo.resolve(source.revision())?;
        Ok(repo.log(commit, &path, limit)?)
    }

    /// The author and subject of `revision` in the repository at `url`,
    /// when it names a commit the mirror has.
    pub fn commit_info(&self, url: &str, revision: &str) -> Option<CommitInfo> {
        let repo = self.repo(url).ok()?;
        let commit = repo.resolve(revision).ok()?;
        repo.commit_info(commit)
    }

    fn render_source(
        &self,
        app_name: &str,
        source: &ApplicationSource,
        namespace: &str,
        hard: bool,
    ) -> Result<(Oid, Arc<Vec<RenderedObject>>), WorkspaceError> {
        let repo = self.repo(&source.repo_url)?;
        let commit = repo.resolve(source.revision())?;
        let request = AppRender {
            app_name: app_name.to_owned(),
            source: source.clone(),
            namespace: namespace.to_owned(),
        };
        let objects = self
            .cache
            .get_or_render(&repo, commit, &request, &self.options, hard)?;
        Ok((commit, objects))
    }
}
