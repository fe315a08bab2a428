//! The catalog: which Applications, AppProjects and ApplicationSets exist,
//! from the manifests under the root folder and, app-of-apps style, from what
//! each Application renders.

mod generated;
mod walk;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use super::RenderedObject;
use crate::engine::appset::{AppSetOrigin, ClusterInfo, Expansion, RepoDir, parse_cluster_secret};
use crate::model::{
    AppProject, Application, ApplicationSet, Diagnostic, Manifest, manifest_from_object, name_of,
    parse_documents,
};

pub use walk::{ManifestFile, manifest_files};

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub apps: Vec<CatalogApp>,
    pub projects: Vec<AppProject>,
    pub appsets: Vec<CatalogAppSet>,
    /// The clusters Argo CD cluster Secrets under the root (or in an app's
    /// output) declare; credentials are never read.
    pub clusters: Vec<ClusterInfo>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogApp {
    pub app: Application,
    /// Repository-relative file the Application was defined in.
    pub file: String,
    /// The app-of-apps parent whose rendered output holds this Application.
    pub parent: Option<String>,
    /// The ApplicationSet that generated this Application (then `file` is
    /// the ApplicationSet's file).
    pub appset: Option<AppSetOrigin>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogAppSet {
    pub appset: ApplicationSet,
    pub file: String,
    /// What the ApplicationSet generates, with its conditions (empty when
    /// the catalog was built without expanding ApplicationSets). Generated
    /// apps whose names clash with another app are here but not in
    /// [`Catalog::apps`].
    pub expansion: Expansion,
}

/// What expanding ApplicationSets needs: the clusters plumb knows (before
/// the cluster Secrets under the root) and checkouts of generator repos.
pub struct Fleet<'a> {
    pub clusters: &'a [ClusterInfo],
    pub repo_dir: &'a RepoDir<'a>,
}

impl Catalog {
    pub fn app(&self, name: &str) -> Option<&CatalogApp> {
        self.apps.iter().find(|a| a.app.metadata.name == name)
    }

    pub fn appset(&self, name: &str) -> Option<&CatalogAppSet> {
        self.appsets.iter().find(|a| a.appset.metadata.name == name)
    }

    /// The apps an ApplicationSet generated (those kept in the catalog).
    pub fn generated_by<'a>(&'a self, appset: &'a str) -> impl Iterator<Item = &'a CatalogApp> {
        self.apps
            .iter()
            .filter(move |a| a.appset.as_ref().is_some_and(|o| o.appset == appset))
    }

    /// The app-of-apps children of `parent`.
    pub fn children<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a CatalogApp> {
        self.apps
            .iter()
            .filter(move |a| a.parent.as_deref() == Some(parent))
    }

    pub fn project(&self, name: &str) -> Option<&AppProject> {
        self.projects.iter().find(|p| p.metadata.name == name)
    }

    /// The diagnostics about one object, e.g. `("Application", "payments")`.
    pub fn diagnostics_for<'a>(
        &'a self,
        kind: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        let object = format!("{kind} {name}");
        self.diagnostics
            .iter()
            .filter(move |d| d.object.as_deref() == Some(object.as_str()))
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

type RenderChildren<'a> = &'a mut dyn FnMut(&Application) -> Result<Vec<RenderedObject>, String>;

/// Builds the catalog from every manifest under `root_path` of the checkout in
/// `root_dir`, then from each Application's rendered output (its children),
/// recursively. `render_children` returns `Ok(vec![])` for apps whose output
/// is not worth reading (e.g. another repository). ApplicationSets are
/// listed but not expanded.
pub fn discover(root_dir: &Path, root_path: &str, render_children: RenderChildren<'_>) -> Catalog {
    discover_apps(root_dir, root_path, render_children, None)
}

/// Like [`discover`], and every ApplicationSet found is expanded: its
/// generated apps join the catalog with their origin (and their own
/// app-of-apps children), until no new ApplicationSet turns up.
pub fn discover_with_appsets(
    root_dir: &Path,
    root_path: &str,
    render_children: RenderChildren<'_>,
    fleet: &Fleet<'_>,
) -> Catalog {
    discover_apps(root_dir, root_path, render_children, Some(fleet))
}

fn discover_apps(
    root_dir: &Path,
    root_path: &str,
    render_children: RenderChildren<'_>,
    fleet: Option<&Fleet<'_>>,
) -> Catalog {
    let (files, diagnostics) = manifest_files(root_dir, root_path);
    let mut builder = Builder::default();
    builder.catalog.diagnostics = diagnostics;
    for file in &files {
        builder.load_file(&file.abs, &file.rel);
    }
    let roots: Vec<String> = builder
        .catalog
        .apps
        .iter()
        .map(|a| a.app.metadata.name.clone())
        .collect();
    for root in roots {
        builder.expand(&root, &mut Vec::new(), render_children);
    }
    if let Some(fleet) = fleet {
        builder.expand_appsets(fleet, render_children);
    }
    builder.finish()
}

/// The catalog of one manifest file (`plumb --app FILE`); children are not rendered.
pub fn load_single(file: &Path) -> Catalog {
    let mut builder = Builder::default();
    builder.load_file(file, &file.display().to_string());
    builder.finish()
}

/// Like [`load_single`], and the file's ApplicationSets are expanded.
pub fn load_single_with_appsets(file: &Path, fleet: &Fleet<'_>) -> Catalog {
    let mut builder = Builder::default();
    builder.load_file(file, &file.display().to_string());
    builder.expand_appsets(fleet, &mut |_| Ok(Vec::new()));
    builder.finish()
}

#[derive(Default)]
struct Builder {
    catalog: Catalog,
    expanded: HashSet<String>,
    app_index: HashMap<String, usize>,
}

impl Builder {
    fn load_file(&mut self, path: &Path, rel: &str) {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                self.catalog
                    .diagnostics
                    .push(Diagnostic::error(rel, format!("cannot read: {e}")));
                return;
            }
        };
        let (manifests, diagnostics) = parse_documents(rel, &text);
        self.catalog.diagnostics.extend(diagnostics);
        for (manifest, line) in manifests {
            match manifest {
                Manifest::Application(app) => self.add_root_app(app, rel, line),
                Manifest::AppProject(project) => self.add_project(project, rel, Some(line)),
                Manifest::ApplicationSet(appset) => self.add_appset(appset, rel),
                Manifest::Other(object) if self.add_cluster_secret(&object) => {}
                Manifest::Other(object) => {
                    let kind = crate::model::kind_of(&object);
                    let object_name = format!("{kind} {}", name_of(&object));
                    self.catalog.diagnostics.push(
                        Diagnostic::warning(rel, "not an Argo CD manifest; ignored")
                            .at_line(Some(line))
                            .for_object(Some(object_name)),
                    );
                }
            }
        }
    }

    fn add_root_app(&mut self, app: Application, file: &str, line: usize) {
        let name = app.metadata.name.clone();
        if let Some(&first) = self.app_index.get(&name) {
            let message = format!(
                "duplicate Application name; the one in {} wins and this one is ignored",
                self.catalog.apps[first].file
            );
            self.catalog.diagnostics.push(
                Diagnostic::error(file, message)
                    .at_line(Some(line))
                    .for_object(Some(format!("Application {name}")))
                    .at_field("metadata.name"),
            );
            return;
        }
        self.push_app(app, file, None);
    }

    fn push_app(&mut self, app: Application, file: &str, parent: Option<String>) {
        self.push_entry(CatalogApp {
            app,
            file: file.to_owned(),
            parent,
            appset: None,
        });
    }

    fn push_entry(&mut self, entry: CatalogApp) {
        self.app_index
            .insert(entry.app.metadata.name.clone(), self.catalog.apps.len());
        self.catalog.apps.push(entry);
    }

    fn add_appset(&mut self, appset: ApplicationSet, file: &str) {
        let known = self
            .catalog
            .appsets
            .iter()
            .any(|s| s.appset == appset && s.file == file);
        if !known {
            self.catalog.appsets.push(CatalogAppSet {
                appset,
                file: file.to_owned(),
                expansion: Expansion::default(),
            });
        }
    }

    /// Keeps the cluster an Argo CD cluster Secret declares; false when the
    /// object is not one.
    fn add_cluster_secret(&mut self, object: &crate::model::Object) -> bool {
        let Some(cluster) = parse_cluster_secret(object) else {
            return false;
        };
        self.catalog.clusters.retain(|c| c.server != cluster.server);
        self.catalog.clusters.push(cluster);
        true
    }

    fn add_project(&mut self, project: AppProject, file: &str, line: Option<usize>) {
        let name = &project.metadata.name;
        match self.catalog.project(name) {
            Some(existing) if *existing == project => {}
            Some(_) => self.catalog.diagnostics.push(
                Diagnostic::error(file, "duplicate AppProject name; the first definition wins")
                    .at_line(line)
                    .for_object(Some(format!("AppProject {name}")))
                    .at_field("metadata.name"),
            ),
            None => self.catalog.projects.push(project),
        }
    }

    /// Renders `name` and adds the Argo CD objects in its output, depth first.
    /// `chain` holds the apps from the root down to `name`'s parent.
    fn expand(&mut self, name: &str, chain: &mut Vec<String>, render: RenderChildren<'_>) {
        if !self.expanded.insert(name.to_owned()) {
            return;
        }
        let Some(&index) = self.app_index.get(name) else {
            return;
        };
        let parent = self.catalog.apps[index].clone();
        chain.push(name.to_owned());
        match render(&parent.app) {
            Err(error) => self.catalog.diagnostics.push(
                Diagnostic::warning(
                    &parent.file,
                    format!("could not be rendered, so its child applications (if any) are unknown: {error}"),
                )
                .for_object(Some(format!("Application {name}"))),
            ),
            Ok(objects) => {
                for rendered in objects {
                    self.add_child(rendered, chain, render);
                }
            }
        }
        chain.pop();
    }

    fn add_child(
        &mut self,
        rendered: RenderedObject,
        chain: &mut Vec<String>,
        render: RenderChildren<'_>,
    ) {
        let Some(parent) = chain.last().cloned() else {
            return;
        };
        let file = rendered.source_file;
        if !is_argo_kind(&rendered.object) {
            self.add_cluster_secret(&rendered.object);
            return;
        }
        let (manifest, diagnostics) = manifest_from_object(&file, rendered.object);
        self.catalog.diagnostics.extend(diagnostics);
        match manifest {
            Some(Manifest::Application(app)) => {
                let name = app.metadata.name.clone();
                let object = Some(format!("Application {name}"));
                let existing = self.app_index.get(&name).map(|&i| &self.catalog.apps[i]);
                let same_definition = existing.is_some_and(|e| e.app == app && e.file == file);
                if parent == name && same_definition {
                    // The self-managing root pattern: an app whose output holds
                    // its own manifest. Nothing new to learn from it.
                    return;
                }
                if chain.contains(&name) {
                    let cycle = format!("{} -> {name}", chain.join(" -> "));
                    self.catalog.diagnostics.push(
                        Diagnostic::error(
                            &file,
                            format!("app-of-apps cycle: {cycle}; not followed"),
                        )
                        .for_object(object),
                    );
                    return;
                }
                match self.app_index.get(&name).copied() {
                    Some(i) if same_definition => {
                        self.catalog.apps[i].parent.get_or_insert(parent);
                    }
                    Some(i) => {
                        let message = format!(
                            "duplicate Application name (reached via {} -> {name}); the one in {} wins and this one is ignored",
                            chain.join(" -> "),
                            self.catalog.apps[i].file
                        );
                        self.catalog
                            .diagnostics
                            .push(Diagnostic::error(&file, message).for_object(object));
                        return;
                    }
                    None => self.push_app(app, &file, Some(parent)),
                }
                self.expand(&name, chain, render);
            }
            Some(Manifest::AppProject(project)) => self.add_project(project, &file, None),
            Some(Manifest::ApplicationSet(appset)) => self.add_appset(appset, &file),
            Some(Manifest::Other(_)) | None => {}
        }
    }

    fn finish(mut self) -> Catalog {
        if self.catalog.project("default").is_none() {
            self.catalog.projects.push(AppProject::default_project());
        }
        self.catalog
    }
}

fn is_argo_kind(object: &crate::model::Object) -> bool {
    crate::model::group_of(object) == "argoproj.io"
        && matches!(
            crate::model::kind_of(object),
            "Application" | "AppProject" | "ApplicationSet"
        )
}
