//! A Git repository mirrored into plumb's cache: cloned once, fetched on
//! demand, read only through commits (never through a working tree).

mod credentials;
mod export;
mod history;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use git2::{Oid, Repository};
use sha2::{Digest, Sha256};

pub use history::CommitInfo;

/// Where remote-tracking branches of the mirror live.
const BRANCH_REFSPEC: &str = "+refs/heads/*:refs/remotes/origin/*";
const TAG_REFSPEC: &str = "+refs/tags/*:refs/tags/*";
const DEFAULT_BRANCH_REF: &str = "refs/remotes/origin/HEAD";

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot reach repository {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("authentication to {url} failed: {message}")]
    Auth { url: String, message: String },
    #[error("revision {revision:?} not found in {url}")]
    UnknownRevision { revision: String, url: String },
    #[error("path {path:?} not found at commit {commit} of {url}")]
    UnknownPath {
        path: String,
        commit: String,
        url: String,
    },
    #[error("git error in {url}: {message}")]
    Other { url: String, message: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A bare mirror of one repository in `<cache_dir>/repos/<sha256 of url>`.
pub struct Repo {
    url: String,
    mirror: PathBuf,
    repo: Mutex<Repository>,
    /// The mirror was cloned by this `open`, so it is as fresh as a fetch.
    cloned: bool,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("url", &self.url)
            .field("mirror", &self.mirror)
            .finish()
    }
}

impl Repo {
    /// Opens the cached mirror of `url_or_path`, cloning it first when missing.
    /// Local paths and `file://` URLs are cloned into the cache like remotes.
    pub fn open(url_or_path: &str, cache_dir: &Path) -> Result<Repo, GitError> {
        let url = normalize_url(url_or_path);
        let repos_dir = cache_dir.join("repos");
        let mirror = repos_dir.join(hex_sha256(url.as_bytes()));
        let cloned = !mirror.join("HEAD").exists();
        if cloned {
            clone_mirror(&url, &repos_dir, &mirror)?;
        }
        let repo = Repository::open_bare(&mirror).map_err(|e| other(&url, &e))?;
        Ok(Repo {
            url,
            mirror,
            repo: Mutex::new(repo),
            cloned,
        })
    }

    /// Whether `open` cloned the mirror (rather than reusing a cached one).
    pub fn was_cloned(&self) -> bool {
        self.cloned
    }

    /// The normalized URL (an absolute path for local repositories).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fetches branches and tags from the remote, pruning deleted ones, and
    /// records the remote's default branch.
    pub fn fetch(&self) -> Result<(), GitError> {
        fetch_into(&self.lock(), &self.url)
    }

    /// The commit a revision names: a branch (remote-tracking), a tag (peeled),
    /// a full or short SHA, or `HEAD` / empty for the default branch.
    pub fn resolve(&self, revision: &str) -> Result<Oid, GitError> {
        let repo = self.lock();
        let rev = revision.trim();
        let unknown = || GitError::UnknownRevision {
            revision: revision.to_owned(),
            url: self.url.clone(),
        };
        if rev.is_empty() || rev == "HEAD" {
            return default_branch_commit(&repo).ok_or_else(unknown);
        }
        let branch = rev.strip_prefix("refs/heads/").unwrap_or(rev);
        let candidates = [
            format!("refs/remotes/origin/{branch}"),
            format!("refs/tags/{rev}"),
            rev.to_owned(),
        ];
        for name in candidates {
            if let Ok(reference) = repo.find_reference(&name)
                && let Ok(commit) = reference.peel_to_commit()
            {
                return Ok(commit.id());
            }
        }
        let is_hex =
            rev.len() >= 4 && rev.len() <= 40 && rev.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex
            && let Ok(object) = repo.revparse_single(rev)
            && let Ok(commit) = object.peel_to_commit()
        {
            return Ok(commit.id());
        }
        Err(unknown())
    }

    /// The author, date and subject of one commit, when the mirror has it.
    pub fn commit_info(&self, commit: Oid) -> Option<CommitInfo> {
        let repo = self.lock();
        let found = repo.find_commit(commit).ok()?;
        Some(history::info(&found))
    }

    /// Writes the commit's tree once to `<cache_dir>/checkouts/<sha>/` and
    /// returns that directory; an existing export is reused.
    pub fn export(&self, commit: Oid, cache_dir: &Path) -> Result<PathBuf, GitError> {
        export::export_commit(
            &self.lock(),
            &self.url,
            commit,
            &cache_dir.join("checkouts"),
        )
    }

    /// The git id of the tree or blob at `path` in `commit` (content identity).
    pub fn tree_id(&self, commit: Oid, path: &str) -> Option<String> {
        let repo = self.lock();
        history::entry_id(&repo, commit, path).map(|id| id.to_string())
    }

    /// The bytes of the file at `path` in `commit`, if it is a file there.
    pub fn read_file(&self, commit: Oid, path: &str) -> Option<Vec<u8>> {
        let repo = self.lock();
        let id = history::entry_id(&repo, commit, path)?;
        let blob = repo.find_blob(id).ok()?;
        Some(blob.content().to_vec())
    }

    /// Whether `path` is a directory in `commit`.
    pub fn is_dir(&self, commit: Oid, path: &str) -> bool {
        let repo = self.lock();
        history::entry_id(&repo, commit, path).is_some_and(|id| repo.find_tree(id).is_ok())
    }

    /// Commits reachable from `commit` that changed `path`, newest first.
    pub fn log(&self, commit: Oid, path: &str, limit: usize) -> Result<Vec<CommitInfo>, GitError> {
        history::log(&self.lock(), commit, path, limit).map_err(|e| other(&self.url, &e))
    }

    fn lock(&self) -> MutexGuard<'_, Repository> {
        // A poisoned lock only means another thread panicked mid-read; the
        // repository handle itself holds no partial state.
        self.repo.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Local paths become absolute paths; remote URLs lose a trailing `/` and `.git`.
fn normalize_url(url_or_path: &str) -> String {
    let trimmed = url_or_path.trim();
    let local = trimmed
        .strip_prefix("file://")
        .or_else(|| (!trimmed.contains("://") && !is_scp_like(trimmed)).then_some(trimmed));
    if let Some(path) = local {
        let path = Path::new(path);
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|cwd| cwd.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        });
        return absolute.to_string_lossy().trim_end_matches('/').to_owned();
    }
    let without_slash = trimmed.trim_end_matches('/');
    without_slash
        .strip_suffix(".git")
        .unwrap_or(without_slash)
        .to_owned()
}

/// `git@host:org/repo` style addresses.
fn is_scp_like(url: &str) -> bool {
    match (url.find('@'), url.find(':')) {
        (Some(at), Some(colon)) => at < colon && !url[..colon].contains('/'),
        _ => false,
    }
}

fn clone_mirror(url: &str, repos_dir: &Path, mirror: &Path) -> Result<(), GitError> {
    if !url.contains("://") && !is_scp_like(url) && !Path::new(url).exists() {
        return Err(GitError::Unreachable {
            url: url.to_owned(),
            message: "no such directory".into(),
        });
    }
    std::fs::create_dir_all(repos_dir).map_err(|e| io(repos_dir, e))?;
    let staging = repos_dir.join(format!(".clone-{}", uuid::Uuid::new_v4()));
    let result = (|| {
        let repo = Repository::init_bare(&staging).map_err(|e| other(url, &e))?;
        repo.remote_with_fetch("origin", url, BRANCH_REFSPEC)
            .map_err(|e| other(url, &e))?;
        fetch_into(&repo, url)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if std::fs::rename(&staging, mirror).is_err() {
        // Another process finished the same clone first: keep theirs.
        let _ = std::fs::remove_dir_all(&staging);
        if !mirror.join("HEAD").exists() {
            return Err(GitError::Other {
                url: url.to_owned(),
                message: format!("cannot move the clone into {}", mirror.display()),
            });
        }
    }
    Ok(())
}

fn fetch_into(repo: &Repository, url: &str) -> Result<(), GitError> {
    let mut remote = repo.find_remote("origin").map_err(|e| other(url, &e))?;
    remote
        .connect_auth(git2::Direction::Fetch, Some(credentials::callbacks()), None)
        .map_err(|e| classify(url, &e))?;
    let default_branch = remote
        .default_branch()
        .ok()
        .and_then(|b| b.as_str().ok().map(str::to_owned));
    remote.disconnect().map_err(|e| other(url, &e))?;

    let mut options = git2::FetchOptions::new();
    options.remote_callbacks(credentials::callbacks());
    options.prune(git2::FetchPrune::On);
    options.download_tags(git2::AutotagOption::All);
    remote
        .fetch(&[BRANCH_REFSPEC, TAG_REFSPEC], Some(&mut options), None)
        .map_err(|e| classify(url, &e))?;

    if let Some(branch) =
        default_branch.and_then(|b| b.strip_prefix("refs/heads/").map(str::to_owned))
    {
        let target = format!("refs/remotes/origin/{branch}");
        if repo.find_reference(&target).is_ok() {
            repo.reference_symbolic(DEFAULT_BRANCH_REF, &target, true, "default branch")
                .map_err(|e| other(url, &e))?;
        }
    }
    Ok(())
}

fn default_branch_commit(repo: &Repository) -> Option<Oid> {
    let names = [
        DEFAULT_BRANCH_REF,
        "refs/remotes/origin/main",
        "refs/remotes/origin/master",
    ];
    names.iter().find_map(|name| {
        let reference = repo.find_reference(name).ok()?;
        Some(reference.peel_to_commit().ok()?.id())
    })
}

fn classify(url: &str, e: &git2::Error) -> GitError {
    let message = e.message().to_owned();
    if e.code() == git2::ErrorCode::Auth
        || e.class() == git2::ErrorClass::Ssh && message.contains("auth")
    {
        GitError::Auth {
            url: url.to_owned(),
            message,
        }
    } else {
        GitError::Unreachable {
            url: url.to_owned(),
            message,
        }
    }
}

fn other(url: &str, e: &git2::Error) -> GitError {
    GitError::Other {
        url: url.to_owned(),
        message: e.message().to_owned(),
    }
}

fn io(path: &Path, source: std::io::Error) -> GitError {
    GitError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
