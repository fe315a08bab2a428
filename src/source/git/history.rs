//! Content ids of paths at a commit, and the commits that touched a path.

use std::path::Path;

use git2::{Commit, Oid, Repository, Sort};
use jiff::Timestamp;

/// One commit in a path's history.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitInfo {
    pub sha: String,
    pub author_name: String,
    pub author_email: String,
    pub date: Timestamp,
    pub subject: String,
}

/// The id of the tree or blob at `path` (`""` or `.` is the root tree).
pub(super) fn entry_id(repo: &Repository, commit: Oid, path: &str) -> Option<Oid> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    path_id(&tree, path)
}

fn path_id(tree: &git2::Tree<'_>, path: &str) -> Option<Oid> {
    let trimmed = path.trim_matches('/');
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() || trimmed == "." {
        return Some(tree.id());
    }
    tree.get_path(Path::new(trimmed)).ok().map(|e| e.id())
}

fn commit_path_id(commit: &Commit<'_>, path: &str) -> Option<Oid> {
    path_id(&commit.tree().ok()?, path)
}

pub(super) fn log(
    repo: &Repository,
    commit: Oid,
    path: &str,
    limit: usize,
) -> Result<Vec<CommitInfo>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(commit)?;
    let mut out = Vec::new();
    for id in walk {
        if out.len() >= limit {
            break;
        }
        let commit = repo.find_commit(id?)?;
        let here = commit_path_id(&commit, path);
        let parents: Vec<Option<Oid>> =
            commit.parents().map(|p| commit_path_id(&p, path)).collect();
        let touched = if parents.is_empty() {
            here.is_some()
        } else {
            parents.iter().all(|p| *p != here)
        };
        if touched {
            out.push(info(&commit));
        }
    }
    Ok(out)
}

pub(super) fn info(commit: &Commit<'_>) -> CommitInfo {
    let author = commit.author();
    let date = Timestamp::from_second(author.when().seconds()).unwrap_or(Timestamp::UNIX_EPOCH);
    CommitInfo {
        sha: commit.id().to_string(),
        author_name: author.name().unwrap_or_default().to_owned(),
        author_email: author.email().unwrap_or_default().to_owned(),
        date,
        subject: commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned(),
    }
}
