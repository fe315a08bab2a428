//! The desired side of a refresh, run off the loop (Git and the renderers
//! block): the root revision, the catalog when it moved, each app rendered
//! and its commits.

use std::collections::HashMap;

use crate::engine::appset::{GeneratedRecord, select};
use crate::model::Application;
use crate::source::discovery::Catalog;
use crate::source::git::CommitInfo;
use crate::source::workspace::{RenderedApp, RootSpec, Workspace};

/// How many commits per app the history pane shows.
const COMMITS: usize = 20;
/// Render threads (the machine is shared with the console).
const RENDER_THREADS: usize = 2;

pub struct Sources {
    /// A new catalog, when the root revision moved (or was asked for).
    pub catalog: Option<Result<Catalog, String>>,
    pub root_revision: Option<String>,
    pub renders: HashMap<String, Rendered>,
}

pub struct Rendered {
    pub result: Result<RenderedApp, String>,
    pub commits: Vec<CommitInfo>,
}

/// What one refresh asks for.
pub struct Request {
    /// Fetch every repository again.
    pub fetch: bool,
    /// Render without the cache.
    pub hard: bool,
    /// Reload the catalog even when the root revision did not move.
    pub reload: bool,
    pub known_root: Option<String>,
    /// The apps to render when the catalog is not reloaded.
    pub apps: Vec<Application>,
    /// The stored ApplicationSet records, by app, for a reloaded catalog.
    pub records: HashMap<String, GeneratedRecord>,
}

/// The commit the root resolves to (`None` for a single file or when Git
/// cannot say).
pub fn root_revision(workspace: &Workspace, root: &RootSpec) -> Option<String> {
    match root {
        RootSpec::Repo { repo, revision, .. } => workspace
            .repo(repo)
            .and_then(|r| r.resolve(revision))
            .map(|oid| oid.to_string())
            .ok(),
        RootSpec::File(_) => None,
    }
}

pub fn load(workspace: &Workspace, root: &RootSpec, request: Request) -> Sources {
    if request.fetch || request.hard {
        workspace.forget_fetches();
    }
    let root_revision = root_revision(workspace, root);
    let moved = root_revision.is_none() || root_revision != request.known_root;
    let catalog =
        (request.reload || moved).then(|| workspace.catalog(root).map_err(|e| e.to_string()));
    let apps: Vec<Application> = match &catalog {
        Some(Ok(catalog)) => catalog
            .apps
            .iter()
            .map(|a| {
                let record = request.records.get(&a.app.metadata.name);
                let kept = a.appset.as_ref().and_then(|o| select(&a.app, o, record));
                kept.map_or(&a.app, |kept| kept.app).clone()
            })
            .collect(),
        Some(Err(_)) => Vec::new(),
        None => request.apps,
    };
    let results = workspace.render_all(&apps, request.hard, RENDER_THREADS);
    let renders = apps
        .iter()
        .zip(results)
        .map(|(app, result)| {
            let rendered = Rendered {
                result: result.map_err(|e| e.to_string()),
                commits: workspace.app_history(app, COMMITS).unwrap_or_default(),
            };
            (app.metadata.name.clone(), rendered)
        })
        .collect();
    Sources {
        catalog,
        root_revision,
        renders,
    }
}
