//! Writing a commit's tree to a directory: once per commit, atomically.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, Tree};

use super::{GitError, io, other};

const MODE_EXECUTABLE: i32 = 0o100755;
const MODE_SYMLINK: i32 = 0o120000;

pub(super) fn export_commit(
    repo: &Repository,
    url: &str,
    commit: Oid,
    checkouts: &Path,
) -> Result<PathBuf, GitError> {
    let target = checkouts.join(commit.to_string());
    if target.is_dir() {
        return Ok(target);
    }
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| other(url, &e))?;
    fs::create_dir_all(checkouts).map_err(|e| io(checkouts, e))?;
    let staging = checkouts.join(format!(".export-{commit}-{}", uuid::Uuid::new_v4()));
    fs::create_dir(&staging).map_err(|e| io(&staging, e))?;
    if let Err(e) = write_tree(repo, url, &tree, &staging) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if fs::rename(&staging, &target).is_err() {
        // Another export of the same commit won the race: use it.
        let _ = fs::remove_dir_all(&staging);
        if !target.is_dir() {
            return Err(GitError::Other {
                url: url.to_owned(),
                message: format!("cannot move the export into {}", target.display()),
            });
        }
    }
    Ok(target)
}

fn write_tree(repo: &Repository, url: &str, tree: &Tree<'_>, dir: &Path) -> Result<(), GitError> {
    for entry in tree.iter() {
        let Ok(name) = entry.name() else {
            continue; // not valid UTF-8: no manifest path can name it
        };
        let path = dir.join(name);
        match entry.kind() {
            Some(ObjectType::Tree) => {
                fs::create_dir(&path).map_err(|e| io(&path, e))?;
                let subtree = repo.find_tree(entry.id()).map_err(|e| other(url, &e))?;
                write_tree(repo, url, &subtree, &path)?;
            }
            Some(ObjectType::Blob) => {
                let blob = repo.find_blob(entry.id()).map_err(|e| other(url, &e))?;
                if entry.filemode() == MODE_SYMLINK {
                    let link = String::from_utf8_lossy(blob.content()).into_owned();
                    symlink(link, &path).map_err(|e| io(&path, e))?;
                } else {
                    let mut file = fs::File::create(&path).map_err(|e| io(&path, e))?;
                    file.write_all(blob.content()).map_err(|e| io(&path, e))?;
                    if entry.filemode() == MODE_EXECUTABLE {
                        let perms = fs::Permissions::from_mode(0o755);
                        fs::set_permissions(&path, perms).map_err(|e| io(&path, e))?;
                    }
                }
            }
            // Submodules (commits) are not fetched: an empty directory stands in.
            _ => fs::create_dir(&path).map_err(|e| io(&path, e))?,
        }
    }
    Ok(())
}
