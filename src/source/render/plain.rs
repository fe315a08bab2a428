//! Plain-directory applications: `*.yaml`, `*.yml` and `*.json` files of the
//! app path (recursively with `directory.recurse`), filtered by the
//! `include` / `exclude` globs matched against the path relative to the app.

use std::path::Path;

use globset::{Glob, GlobMatcher};

use super::{RenderCause, RenderRequest, objects};
use crate::source::RenderedObject;

pub(super) fn render(
    req: &RenderRequest,
    app_path: &str,
) -> Result<Vec<RenderedObject>, RenderCause> {
    let directory = req.app.source.directory.clone().unwrap_or_default();
    let filter = Filter {
        include: compile(directory.include.as_deref())?,
        exclude: compile(directory.exclude.as_deref())?,
        recurse: directory.recurse,
    };
    let app_dir = req.checkout.join(app_path);
    let mut files = Vec::new();
    collect(&app_dir, "", &filter, &mut files)?;
    let mut out = Vec::new();
    for relative in files {
        let repo_file = join(app_path, &relative);
        let path = app_dir.join(&relative);
        if relative.ends_with(".jsonnet") {
            return Err(RenderCause::Unsupported(format!(
                "{repo_file}: Jsonnet is not rendered by plumb; exclude it with directory.exclude"
            )));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| RenderCause::io(Path::new(&repo_file), &e))?;
        let parsed = if relative.ends_with(".json") {
            objects::parse_json(&text, &repo_file)?
        } else {
            objects::parse_documents(&text, &repo_file, 1)?
        };
        out.extend(parsed.into_iter().map(|object| RenderedObject {
            object,
            source_file: repo_file.clone(),
        }));
    }
    Ok(out)
}

struct Filter {
    include: Option<GlobMatcher>,
    exclude: Option<GlobMatcher>,
    recurse: bool,
}

impl Filter {
    fn accepts(&self, relative: &str) -> bool {
        let is_manifest = [".yaml", ".yml", ".json", ".jsonnet"]
            .iter()
            .any(|ext| relative.ends_with(ext));
        is_manifest
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(relative))
            && self.include.as_ref().is_none_or(|g| g.is_match(relative))
    }
}

fn compile(pattern: Option<&str>) -> Result<Option<GlobMatcher>, RenderCause> {
    match pattern.map(str::trim) {
        None | Some("") => Ok(None),
        Some(pattern) => Glob::new(pattern)
            .map(|g| Some(g.compile_matcher()))
            .map_err(|e| {
                RenderCause::Unsupported(format!("invalid directory glob {pattern:?}: {e}"))
            }),
    }
}

/// Files in name order, directories entered where they sort (as a walk does).
fn collect(
    dir: &Path,
    relative: &str,
    filter: &Filter,
    out: &mut Vec<String>,
) -> Result<(), RenderCause> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| RenderCause::io(dir, &e))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = join(relative, &name);
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if filter.recurse {
                collect(&entry.path(), &child, filter, out)?;
            }
        } else if filter.accepts(&child) && entry.path().is_file() {
            out.push(child);
        }
    }
    Ok(())
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{base}/{name}")
    }
}
