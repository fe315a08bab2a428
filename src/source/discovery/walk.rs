//! Lists the manifest files under a folder of a checkout: sorted, hidden
//! entries skipped, never leaving the checkout (symlinks and `..` included).

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::model::Diagnostic;

/// A manifest file: its repository-relative path and where it is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    pub rel: String,
    pub abs: PathBuf,
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The `.yaml`/`.yml`/`.json` files under `root_path` (relative to `root_dir`), in order.
pub fn manifest_files(root_dir: &Path, root_path: &str) -> (Vec<ManifestFile>, Vec<Diagnostic>) {
    let mut walk = Walk {
        files: Vec::new(),
        diagnostics: Vec::new(),
        visited: HashSet::new(),
        root: PathBuf::new(),
    };
    let shown = display_root(root_path);
    match root_dir.canonicalize() {
        Ok(root) => walk.root = root,
        Err(e) => {
            let message = format!("cannot open checkout {}: {e}", root_dir.display());
            walk.diagnostics.push(Diagnostic::error(&shown, message));
            return (walk.files, walk.diagnostics);
        }
    }
    let escapes = Path::new(root_path).components().any(|c| {
        matches!(
            c,
            Component::ParentDir | Component::RootDir | Component::Prefix(_)
        )
    });
    if escapes {
        let message = "path leaves the repository; not read";
        walk.diagnostics.push(Diagnostic::error(&shown, message));
        return (walk.files, walk.diagnostics);
    }
    let start = root_dir.join(root_path);
    walk.entry(&start, &relative_root(root_path));
    (walk.files, walk.diagnostics)
}

struct Walk {
    files: Vec<ManifestFile>,
    diagnostics: Vec<Diagnostic>,
    visited: HashSet<PathBuf>,
    root: PathBuf,
}

impl Walk {
    fn entry(&mut self, path: &Path, rel: &str) {
        let shown = display_root(rel);
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) => {
                let message = format!("cannot read: {e}");
                self.diagnostics.push(Diagnostic::error(&shown, message));
                return;
            }
        };
        if !real.starts_with(&self.root) {
            let message = "symbolic link points outside the repository; not followed";
            self.diagnostics.push(Diagnostic::error(&shown, message));
            return;
        }
        if real.is_dir() {
            if self.visited.insert(real.clone()) {
                self.dir(&real, rel);
            }
        } else if has_manifest_extension(path) {
            self.files.push(ManifestFile {
                rel: shown,
                abs: real,
            });
        }
    }

    fn dir(&mut self, dir: &Path, rel: &str) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                let message = format!("cannot list folder: {e}");
                self.diagnostics
                    .push(Diagnostic::error(&display_root(rel), message));
                return;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            self.entry(&dir.join(&name), &child_rel);
        }
    }
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// `root_path` as a clean relative prefix: `""` for the repository root.
fn relative_root(root_path: &str) -> String {
    Path::new(root_path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn display_root(rel: &str) -> String {
    if rel.is_empty() {
        ".".to_owned()
    } else {
        rel.to_owned()
    }
}
