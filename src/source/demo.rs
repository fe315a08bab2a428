//! The bundled demo GitOps repository (`assets/demo/history`), turned into a
//! real Git repository with one commit per history folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature, Time};
use include_dir::{Dir, include_dir};
use thiserror::Error;

/// The URL the demo's Applications use; plumb mirrors it to the local repository.
pub const DEMO_REPO_URL: &str = "https://github.com/acme-corp/gitops-manifests.git";
/// The folder plumb reads first: the app-of-apps root and the projects.
pub const DEMO_ROOT_PATH: &str = "bootstrap";

static HISTORY: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/assets/demo/history");

/// Seconds since the epoch of the first demo commit (2026-11-02 09:00 UTC); each
/// later commit is an hour after the one before.
const FIRST_COMMIT_TIME: i64 = 1_793_610_000;

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("demo repository at {path}: {source}")]
    Git { path: PathBuf, source: git2::Error },
    #[error("demo repository at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("demo history folder {0} has no valid .commit file (author line, subject line)")]
    BadCommitFile(String),
}

/// The demo repository in `<data_dir>/demo/gitops-manifests`, created on first
/// use with its full history and `main` checked out. Returns its path.
pub fn ensure_demo_repo(data_dir: &Path) -> Result<PathBuf, DemoError> {
    let path = data_dir.join("demo").join("gitops-manifests");
    if Repository::open(&path).is_ok_and(|repo| repo.head().is_ok()) {
        return Ok(path);
    }
    let parent = data_dir.join("demo");
    std::fs::create_dir_all(&parent).map_err(|source| DemoError::Io {
        path: parent.clone(),
        source,
    })?;
    let staging = parent.join(format!(".gitops-manifests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    build_repo(&staging).map_err(|source| DemoError::Git {
        path: staging.clone(),
        source,
    })?;
    let _ = std::fs::remove_dir_all(&path);
    std::fs::rename(&staging, &path).map_err(|source| DemoError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

struct CommitSpec {
    author_name: String,
    author_email: String,
    subject: String,
    files: Vec<(String, &'static [u8])>,
    deleted: Vec<String>,
}

fn commit_specs() -> Result<Vec<CommitSpec>, DemoError> {
    let mut folders: Vec<&Dir<'static>> = HISTORY.dirs().collect();
    folders.sort_by_key(|d| d.path().to_path_buf());
    folders.into_iter().map(commit_spec).collect()
}

fn commit_spec(folder: &Dir<'static>) -> Result<CommitSpec, DemoError> {
    let name = folder.path().display().to_string();
    let meta = folder
        .get_file(folder.path().join(".commit"))
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| DemoError::BadCommitFile(name.clone()))?;
    let mut lines = meta.lines();
    let author = lines.next().unwrap_or_default();
    let subject = lines.next().unwrap_or_default().to_owned();
    let (author_name, author_email) = author
        .split_once(" <")
        .map(|(n, e)| (n.to_owned(), e.trim_end_matches('>').to_owned()))
        .ok_or_else(|| DemoError::BadCommitFile(name.clone()))?;
    if subject.is_empty() {
        return Err(DemoError::BadCommitFile(name));
    }
    let deleted = folder
        .get_file(folder.path().join(".delete"))
        .and_then(|f| f.contents_utf8())
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut files = Vec::new();
    collect_files(folder, folder.path(), &mut files);
    Ok(CommitSpec {
        author_name,
        author_email,
        subject,
        files,
        deleted,
    })
}

fn collect_files(dir: &Dir<'static>, root: &Path, out: &mut Vec<(String, &'static [u8])>) {
    for file in dir.files() {
        let Ok(relative) = file.path().strip_prefix(root) else {
            continue;
        };
        if relative == Path::new(".commit") || relative == Path::new(".delete") {
            continue;
        }
        out.push((relative.to_string_lossy().into_owned(), file.contents()));
    }
    for sub in dir.dirs() {
        collect_files(sub, root, out);
    }
}

fn build_repo(path: &Path) -> Result<(), git2::Error> {
    let specs = commit_specs().map_err(|e| git2::Error::from_str(&e.to_string()))?;
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = Repository::init_opts(path, &init)?;
    let mut tree_files: BTreeMap<String, &'static [u8]> = BTreeMap::new();
    let mut parent: Option<Oid> = None;
    for (index, spec) in specs.iter().enumerate() {
        for gone in &spec.deleted {
            tree_files.remove(gone);
        }
        for (file, contents) in &spec.files {
            tree_files.insert(file.clone(), contents);
        }
        let tree = write_tree(&repo, &tree_files)?;
        let seconds = FIRST_COMMIT_TIME + 3600 * i64::try_from(index).unwrap_or(0);
        let who = Signature::new(
            &spec.author_name,
            &spec.author_email,
            &Time::new(seconds, 0),
        )?;
        let parents: Vec<git2::Commit> = parent
            .map(|p| repo.find_commit(p))
            .transpose()?
            .into_iter()
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let tree = repo.find_tree(tree)?;
        parent = Some(repo.commit(Some("HEAD"), &who, &who, &spec.subject, &tree, &parent_refs)?);
    }
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force();
    repo.checkout_head(Some(&mut checkout))?;
    Ok(())
}

/// Writes nested trees for `path → contents` and returns the root tree id.
fn write_tree(
    repo: &Repository,
    files: &BTreeMap<String, &'static [u8]>,
) -> Result<Oid, git2::Error> {
    let mut children: BTreeMap<String, BTreeMap<String, &'static [u8]>> = BTreeMap::new();
    let mut builder = repo.treebuilder(None)?;
    for (path, contents) in files {
        match path.split_once('/') {
            Some((dir, rest)) => {
                children
                    .entry(dir.to_owned())
                    .or_default()
                    .insert(rest.to_owned(), contents);
            }
            None => {
                let blob = repo.blob(contents)?;
                builder.insert(path, blob, 0o100_644)?;
            }
        }
    }
    for (dir, sub) in &children {
        let subtree = write_tree(repo, sub)?;
        builder.insert(dir, subtree, 0o040_000)?;
    }
    builder.write()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_repo_has_history_and_checked_out_main() {
        let dir = tempfile::tempdir().unwrap();
        let path = ensure_demo_repo(dir.path()).unwrap();
        let repo = Repository::open(&path).unwrap();
        assert_eq!(repo.head().unwrap().shorthand().unwrap(), "main");
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        let subjects: Vec<String> = walk
            .map(|oid| {
                repo.find_commit(oid.unwrap())
                    .unwrap()
                    .summary()
                    .unwrap()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(subjects.len(), commit_specs().unwrap().len());
        assert_eq!(
            subjects.last().unwrap(),
            "bootstrap: app-of-apps root, payments project and service"
        );
        assert!(subjects.contains(&"deploy: payments v2.1.0".to_owned()));
        let kustomization = std::fs::read_to_string(
            path.join("apps/payments/overlays/production/kustomization.yaml"),
        )
        .unwrap();
        assert!(
            kustomization.contains("newTag: v2.1.0"),
            "later commits win"
        );
        assert!(path.join("bootstrap/root.yaml").is_file());
        assert!(!path.join(".commit").exists());
    }

    #[test]
    fn second_call_reuses_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let first = ensure_demo_repo(dir.path()).unwrap();
        let head = Repository::open(&first).unwrap().head().unwrap().target();
        let second = ensure_demo_repo(dir.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(
            Repository::open(&second).unwrap().head().unwrap().target(),
            head
        );
    }
}
