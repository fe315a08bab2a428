//! A private, throw-away copy of a checkout for one render: files are
//! hard-linked (copied when linking fails), so edits must replace files
//! (`replace_file`) rather than write through a link into the shared export.

use std::fs;
use std::path::{Path, PathBuf};

use super::RenderCause;

pub(super) struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// Mirrors `checkout` into a new directory under `scratch`.
    pub(super) fn copy_of(checkout: &Path, scratch: &Path) -> Result<Workspace, RenderCause> {
        fs::create_dir_all(scratch).map_err(|e| RenderCause::io(scratch, &e))?;
        let root = scratch.join(format!("render-{}", uuid::Uuid::new_v4()));
        fs::create_dir(&root).map_err(|e| RenderCause::io(&root, &e))?;
        let workspace = Workspace { root };
        mirror(checkout, &workspace.root)?;
        Ok(workspace)
    }

    /// Mirrors only `paths` (repository-relative files or folders, e.g. a
    /// render's dependency closure) of `checkout` into a new directory, so the
    /// cost follows what the render reads rather than the repository's size.
    pub(super) fn copy_of_paths<'a>(
        checkout: &Path,
        scratch: &Path,
        paths: impl IntoIterator<Item = &'a String>,
    ) -> Result<Workspace, RenderCause> {
        fs::create_dir_all(scratch).map_err(|e| RenderCause::io(scratch, &e))?;
        let root = scratch.join(format!("render-{}", uuid::Uuid::new_v4()));
        fs::create_dir(&root).map_err(|e| RenderCause::io(&root, &e))?;
        let workspace = Workspace { root };
        let mut wanted: Vec<&String> = paths.into_iter().collect();
        wanted.sort();
        let mut mirrored: Vec<&str> = Vec::new();
        for path in wanted {
            let inside_mirrored = mirrored
                .iter()
                .any(|done| done.is_empty() || path.starts_with(&format!("{done}/")));
            if inside_mirrored {
                continue;
            }
            let source = checkout.join(path);
            let target = workspace.root.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| RenderCause::io(parent, &e))?;
            }
            if source.is_dir() {
                fs::create_dir_all(&target).map_err(|e| RenderCause::io(&target, &e))?;
                mirror(&source, &target)?;
            } else if source.exists() && fs::hard_link(&source, &target).is_err() {
                fs::copy(&source, &target).map_err(|e| RenderCause::io(&target, &e))?;
            }
            mirrored.push(path);
        }
        Ok(workspace)
    }

    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `contents` to `path` as a new file (never through a hard link).
    pub(super) fn replace_file(&self, path: &Path, contents: &[u8]) -> Result<(), RenderCause> {
        if path.symlink_metadata().is_ok() {
            fs::remove_file(path).map_err(|e| RenderCause::io(path, &e))?;
        }
        fs::write(path, contents).map_err(|e| RenderCause::io(path, &e))
    }

    /// Replaces every hard link under `dir` with a private copy, for tools
    /// that may rewrite files in place.
    pub(super) fn detach(&self, dir: &Path) -> Result<(), RenderCause> {
        for entry in fs::read_dir(dir)
            .map_err(|e| RenderCause::io(dir, &e))?
            .flatten()
        {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                self.detach(&path)?;
            } else if file_type.is_file() {
                let contents = fs::read(&path).map_err(|e| RenderCause::io(&path, &e))?;
                let permissions = entry.metadata().map(|m| m.permissions()).ok();
                self.replace_file(&path, &contents)?;
                if let Some(permissions) = permissions {
                    fs::set_permissions(&path, permissions)
                        .map_err(|e| RenderCause::io(&path, &e))?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn mirror(from: &Path, to: &Path) -> Result<(), RenderCause> {
    for entry in fs::read_dir(from)
        .map_err(|e| RenderCause::io(from, &e))?
        .flatten()
    {
        let source = entry.path();
        let target = to.join(entry.file_name());
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            let link = fs::read_link(&source).map_err(|e| RenderCause::io(&source, &e))?;
            std::os::unix::fs::symlink(link, &target).map_err(|e| RenderCause::io(&target, &e))?;
        } else if file_type.is_dir() {
            fs::create_dir(&target).map_err(|e| RenderCause::io(&target, &e))?;
            mirror(&source, &target)?;
        } else if fs::hard_link(&source, &target).is_err() {
            fs::copy(&source, &target).map_err(|e| RenderCause::io(&target, &e))?;
        }
    }
    Ok(())
}
