//! Paths taken from Git (app paths, value files, file parameters, kustomize
//! references) must stay inside the checkout: `..` escapes, absolute paths and
//! symlinks resolving outside are refused.

use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    #[error("path {path:?} is absolute; paths must be relative to the repository")]
    Absolute { path: String },
    #[error("path {path:?} escapes the repository")]
    Escapes { path: String },
    #[error("path {path:?} is a symlink resolving outside the repository")]
    SymlinkEscapes { path: String },
}

/// Joins `path` onto the repository-relative directory `base` and returns the
/// normalized repository-relative result (`""` for the root).
pub fn repo_relative(base: &str, path: &str) -> Result<String, PathError> {
    if Path::new(path).is_absolute() {
        return Err(PathError::Absolute {
            path: path.to_owned(),
        });
    }
    let mut parts: Vec<String> = Vec::new();
    for component in Path::new(base).join(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes {
                        path: path.to_owned(),
                    });
                }
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute {
                    path: path.to_owned(),
                });
            }
        }
    }
    Ok(parts.join("/"))
}

/// The absolute path of `path` (relative to the repository directory `base`)
/// inside the checkout at `root`, after checking it stays inside, symlinks
/// included. A path that does not exist is allowed (callers report it).
pub fn resolve(root: &Path, base: &str, path: &str) -> Result<PathBuf, PathError> {
    let relative = repo_relative(base, path)?;
    let joined = root.join(&relative);
    ensure_inside(root, &joined, path)?;
    Ok(joined)
}

/// Refuses `target` (an absolute path under `root`) when it, or its nearest
/// existing ancestor, resolves through symlinks to outside `root`.
pub fn ensure_inside(root: &Path, target: &Path, shown: &str) -> Result<(), PathError> {
    let escapes = || PathError::SymlinkEscapes {
        path: shown.to_owned(),
    };
    let real_root = std::fs::canonicalize(root).map_err(|_| escapes())?;
    let mut probe = target.to_path_buf();
    loop {
        if probe.symlink_metadata().is_ok() {
            let real = std::fs::canonicalize(&probe).map_err(|_| escapes())?;
            return if real.starts_with(&real_root) {
                Ok(())
            } else {
                Err(escapes())
            };
        }
        if !probe.pop() {
            return Ok(());
        }
    }
}

/// Checks every symlink under `dir` (recursively) resolves inside `root`.
pub fn check_symlinks(root: &Path, dir: &Path) -> Result<(), PathError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            ensure_inside(root, &path, &shown)?;
        } else if file_type.is_dir() {
            check_symlinks(root, &path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_normalized_inside_the_repo() {
        assert_eq!(
            repo_relative("apps/web", "../base").as_deref(),
            Ok("apps/base")
        );
        assert_eq!(
            repo_relative("apps", "./x/../y.yaml").as_deref(),
            Ok("apps/y.yaml")
        );
        assert_eq!(repo_relative("", ".").as_deref(), Ok(""));
    }

    #[test]
    fn escapes_and_absolute_paths_are_refused() {
        assert!(matches!(
            repo_relative("apps", "../../etc"),
            Err(PathError::Escapes { .. })
        ));
        assert!(matches!(
            repo_relative("apps", "/etc/passwd"),
            Err(PathError::Absolute { .. })
        ));
    }

    #[test]
    fn symlinks_leaving_the_checkout_are_refused() {
        let root = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("app")).expect("mkdir");
        std::os::unix::fs::symlink(outside.path(), root.path().join("app/out")).expect("symlink");
        std::os::unix::fs::symlink("../app", root.path().join("app/self")).expect("symlink");
        let err = resolve(root.path(), "app", "out/values.yaml").expect_err("escape");
        assert_eq!(
            err,
            PathError::SymlinkEscapes {
                path: "out/values.yaml".into()
            }
        );
        assert!(resolve(root.path(), "app", "self").is_ok());
        assert!(check_symlinks(root.path(), &root.path().join("app")).is_err());
    }
}
