//! Rendered manifests cached by content: the key hashes the git ids of every
//! path the render reads (app path, kustomize references, helm chart and
//! value files) with the render parameters, so a commit that touches one app
//! changes only that app's key. Kept in memory and in
//! `<cache_dir>/render/<key>.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::Oid;
use serde::{Deserialize, Serialize};

use super::RenderedObject;
use super::git::{Repo, hex_sha256};
use super::render::{
    self, AppRender, RenderCause, RenderError, RenderOptions, RenderRequest, RepoFiles,
};
use super::safe_path::repo_relative;
use crate::model::Object;

/// Bumped when the rendering output format changes.
const KEY_VERSION: &str = "plumb-render-1";

pub struct RenderCache {
    dir: PathBuf,
    cache_dir: PathBuf,
    memory: Mutex<HashMap<String, Arc<Vec<RenderedObject>>>>,
}

/// The stored form of one rendered object.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredObject {
    object: Object,
    source_file: String,
}

impl RenderCache {
    /// A cache in `<cache_dir>/render`; checkouts go to `<cache_dir>/checkouts`.
    pub fn new(cache_dir: &Path) -> Self {
        RenderCache {
            dir: cache_dir.join("render"),
            cache_dir: cache_dir.to_path_buf(),
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The objects of `app` at `commit`: from the cache when its content key
    /// is known (unless `hard`), otherwise rendered from an export and stored.
    pub fn get_or_render(
        &self,
        repo: &Repo,
        commit: Oid,
        app: &AppRender,
        opts: &RenderOptions,
        hard: bool,
    ) -> Result<Arc<Vec<RenderedObject>>, RenderError> {
        let fail = |cause: RenderCause| RenderError {
            app: app.app_name.clone(),
            cause,
        };
        let key = self.key(repo, commit, app, opts)?;
        if !hard && let Some(hit) = self.lookup(&key) {
            return Ok(hit);
        }
        let checkout = repo
            .export(commit, &self.cache_dir)
            .map_err(|e| fail(e.into()))?;
        let request = RenderRequest {
            checkout,
            app: app.clone(),
        };
        let objects = Arc::new(render::render(&request, opts)?);
        self.store(&key, &objects);
        Ok(objects)
    }

    /// The content key of a render of `app` at `commit`.
    pub fn key(
        &self,
        repo: &Repo,
        commit: Oid,
        app: &AppRender,
        opts: &RenderOptions,
    ) -> Result<String, RenderError> {
        let fail = |cause: RenderCause| RenderError {
            app: app.app_name.clone(),
            cause,
        };
        let files = GitFiles { repo, commit };
        let source = &app.source;
        let app_path =
            repo_relative("", source.path.as_deref().unwrap_or(".")).map_err(|e| fail(e.into()))?;
        let has_file = |name: &str| files.read(&join(&app_path, name)).is_some();
        let kind = render::source_kind(source, &has_file).map_err(fail)?;
        let paths = render::dependencies(&files, &app_path, source, kind).map_err(fail)?;
        let contents: Vec<(String, String)> = paths
            .into_iter()
            .map(|path| {
                let id = repo
                    .tree_id(commit, &path)
                    .unwrap_or_else(|| "absent".into());
                (path, id)
            })
            .collect();
        let material = serde_json::json!({
            "version": KEY_VERSION,
            "source": source,
            "app": app.app_name,
            "namespace": app.namespace,
            "tools": opts.tool_identity(),
            "kind": format!("{kind:?}"),
            "contents": contents,
        });
        Ok(hex_sha256(material.to_string().as_bytes()))
    }

    fn lookup(&self, key: &str) -> Option<Arc<Vec<RenderedObject>>> {
        if let Some(hit) = self.memory().get(key) {
            return Some(hit.clone());
        }
        let text = std::fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        let stored: Vec<StoredObject> = serde_json::from_str(&text).ok()?;
        let objects: Arc<Vec<RenderedObject>> = Arc::new(
            stored
                .into_iter()
                .map(|s| RenderedObject {
                    object: s.object,
                    source_file: s.source_file,
                })
                .collect(),
        );
        self.memory().insert(key.to_owned(), objects.clone());
        Some(objects)
    }

    fn store(&self, key: &str, objects: &Arc<Vec<RenderedObject>>) {
        self.memory().insert(key.to_owned(), objects.clone());
        let stored: Vec<StoredObject> = objects
            .iter()
            .map(|o| StoredObject {
                object: o.object.clone(),
                source_file: o.source_file.clone(),
            })
            .collect();
        // The disk copy only saves work across restarts: failing to write it
        // leaves the in-memory entry in place.
        let Ok(text) = serde_json::to_string(&stored) else {
            return;
        };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let staging = self
            .dir
            .join(format!(".{key}-{}.json", uuid::Uuid::new_v4()));
        if std::fs::write(&staging, text).is_ok()
            && std::fs::rename(&staging, self.dir.join(format!("{key}.json"))).is_err()
        {
            let _ = std::fs::remove_file(&staging);
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Vec<RenderedObject>>>> {
        // Entries are inserted whole, so a poisoned map is still consistent.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One commit's files, read from the git object database.
struct GitFiles<'a> {
    repo: &'a Repo,
    commit: Oid,
}

impl RepoFiles for GitFiles<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.repo.read_file(self.commit, path)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.repo.is_dir(self.commit, path)
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}
