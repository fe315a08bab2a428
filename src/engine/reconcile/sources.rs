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
    /// What was asked, to say so when a user asked.
    pub asked: Ask,
}

pub struct Rendered {
    pub result: Result<RenderedApp, String>,
    pub commits: Vec<CommitInfo>,
}

/// What a refresh is asked to do; asks that meet while one runs merge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ask {
    /// Fetch the repositories again.
    pub fetch: bool,
    /// Render without the cache.
    pub hard: bool,
    /// Reload the catalog even when the root revision did not move.
    pub reload: bool,
    /// Only this app (unless the root moved); `None`: every app.
    pub only: Option<String>,
    /// A user asked: say when it is done.
    pub announce: bool,
}

impl Ask {
    pub fn fleet(fetch: bool, hard: bool, reload: bool) -> Self {
        Ask {
            fetch,
            hard,
            reload,
            only: None,
            announce: false,
        }
    }

    /// One app, fetched, and rendered without the cache when `hard`.
    pub fn app(name: &str, hard: bool) -> Self {
        Ask {
            fetch: true,
            hard,
            reload: false,
            only: Some(name.to_owned()),
            announce: false,
        }
    }

    /// The same ask, said to the user when done.
    pub fn announced(self) -> Self {
        Ask {
            announce: true,
            ..self
        }
    }

    /// The strongest of both; two different apps make the whole fleet.
    pub fn merge(self, other: Ask) -> Ask {
        Ask {
            fetch: self.fetch || other.fetch,
            hard: self.hard || other.hard,
            reload: self.reload || other.reload,
            only: if self.only == other.only {
                self.only
            } else {
                None
            },
            announce: self.announce || other.announce,
        }
    }
}

/// What one refresh asks for.
pub struct Request {
    pub ask: Ask,
    pub known_root: Option<String>,
    /// The apps to render when the catalog is not reloaded (all of them;
    /// `ask.only` picks one).
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
    let ask = &request.ask;
    if ask.fetch || ask.hard {
        workspace.forget_fetches();
    }
    let root_revision = root_revision(workspace, root);
    let moved = root_revision.is_none() || root_revision != request.known_root;
    let catalog = (ask.reload || moved).then(|| workspace.catalog(root).map_err(|e| e.to_string()));
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
        None => match &ask.only {
            Some(only) => request
                .apps
                .into_iter()
                .filter(|a| &a.metadata.name == only)
                .collect(),
            None => request.apps,
        },
    };
    let hard = |app: &Application| {
        ask.hard
            && ask
                .only
                .as_ref()
                .is_none_or(|only| *only == app.metadata.name)
    };
    let (hard_apps, soft_apps): (Vec<Application>, Vec<Application>) =
        apps.into_iter().partition(|a| hard(a));
    let results = workspace
        .render_all(&hard_apps, true, RENDER_THREADS)
        .into_iter()
        .chain(workspace.render_all(&soft_apps, false, RENDER_THREADS));
    let apps = hard_apps.iter().chain(&soft_apps);
    let renders = apps
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
        asked: request.ask,
    }
}

#[cfg(test)]
mod tests {
    use super::Ask;

    #[test]
    fn asks_merge_to_the_strongest_and_two_apps_to_the_fleet() {
        let soft = Ask::app("payments", false);
        let hard = Ask::app("payments", true);
        assert_eq!(soft.clone().merge(hard.clone()), hard);
        let other = Ask::app("orders", false);
        let merged = soft.clone().merge(other);
        assert_eq!(merged, Ask::fleet(true, false, false));
        let reload = Ask::fleet(false, false, true);
        assert_eq!(
            soft.merge(reload),
            Ask {
                fetch: true,
                hard: false,
                reload: true,
                only: None,
                announce: false,
            }
        );
    }
}
