//! `applicationsSync: create-only` and `create-update` forbid deleting a
//! generated Application. plumb never deletes Applications, so the policy
//! means: an app its ApplicationSet no longer generates stays listed and
//! managed, from the spec recorded at its first operation, with an
//! `ApplicationSetWarning` saying why. Apps never synced have no record and
//! simply go, as nothing was created for them.

use std::collections::HashMap;

use serde_json::Value;

use super::app::AppEntry;
use super::engine::{Internal, Reconciler};
use crate::engine::appset::{AppSetOrigin, GeneratedRecord};
use crate::engine::snapshot::NoticeLevel;
use crate::engine::store::Store;
use crate::model::{AppProject, Application};
use crate::source::discovery::{Catalog, CatalogApp};

/// An ApplicationSet whose policy keeps the apps it stops generating.
pub(super) struct KeepingAppSet {
    pub origin: AppSetOrigin,
    pub file: String,
}

impl KeepingAppSet {
    /// The catalog entry of an app kept from its recorded spec.
    fn catalog_entry(&self, app: Application) -> CatalogApp {
        CatalogApp {
            app,
            file: self.file.clone(),
            parent: None,
            appset: Some(self.origin.clone()),
        }
    }
}

/// The catalog's ApplicationSets whose `applicationsSync` forbids deletion.
pub(super) fn keeping_appsets(catalog: &Catalog) -> HashMap<String, KeepingAppSet> {
    catalog
        .appsets
        .iter()
        .map(|set| KeepingAppSet {
            origin: AppSetOrigin::new(&set.appset, "", Value::Null),
            file: set.file.clone(),
        })
        .filter(|set| !set.origin.applications_sync.allows_delete())
        .map(|set| (set.origin.appset.clone(), set))
        .collect()
}

fn warning(origin: &AppSetOrigin, record: &GeneratedRecord) -> String {
    format!(
        "ApplicationSet {} (applicationsSync: {}) no longer generates this app; it is kept, with the spec it was created with ({})",
        origin.appset,
        origin.applications_sync.as_str(),
        record.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
}

impl Reconciler {
    /// Keeps the apps of the old list that the new catalog dropped, when
    /// their ApplicationSet still exists and forbids deletion.
    pub(super) fn keep_ungenerated(&mut self, dropped: HashMap<String, AppEntry>) {
        for (_, entry) in dropped {
            let Some(record) = entry.state.generated.clone() else {
                continue;
            };
            self.adopt(entry, record);
        }
    }

    /// Reads the recorded specs in every cluster, to list at start (or
    /// after a reload) the apps a keeping ApplicationSet no longer generates.
    pub(super) fn find_ungenerated(&self) {
        if self.keeping.is_empty() {
            return;
        }
        for cluster in self.config.clusters.all().iter().cloned() {
            let internal = self.internal.clone();
            tokio::spawn(async move {
                match Store::new(cluster).generated_records().await {
                    Ok(records) => {
                        let _ = internal.send(Internal::Recorded(records));
                    }
                    Err(error) => tracing::warn!(%error, "cannot read the recorded specs"),
                }
            });
        }
    }

    /// Lists the recorded apps that are not listed yet; whether any was.
    pub(super) fn adopt_recorded(&mut self, records: Vec<(String, GeneratedRecord)>) -> bool {
        let mut adopted = false;
        for (name, record) in records {
            if self.entry(&name).is_some() || record.app.metadata.name != name {
                continue;
            }
            let Some(keeping) = self.keeping.get(&record.appset) else {
                continue;
            };
            let item = keeping.catalog_entry(record.app.clone());
            let (project, cluster) = self.resolve(&item.app);
            let mut entry = AppEntry::new(item, project, cluster);
            entry.state.generated = Some(record.clone());
            self.adopt(entry, record);
            let at = self.apps.len() - 1;
            self.load_state(at, false);
            adopted = true;
        }
        adopted
    }

    fn adopt(&mut self, mut entry: AppEntry, record: GeneratedRecord) {
        let Some(keeping) = self.keeping.get(&record.appset) else {
            return;
        };
        let message = warning(&keeping.origin, &record);
        if entry.ungenerated.is_none() {
            self.notice(Some(entry.name()), NoticeLevel::Warning, message.clone());
        }
        entry.catalog = keeping.catalog_entry(record.app);
        entry.pinned = None;
        entry.appset_warning = Some(message.clone());
        entry.ungenerated = Some(message);
        self.apps.push(entry);
        self.dirty = true;
    }

    /// The project and destination cluster of an app, or why they are missing.
    pub(super) fn resolve(
        &self,
        app: &Application,
    ) -> (
        Result<AppProject, String>,
        Result<crate::cluster::ClusterRef, String>,
    ) {
        let project_name = app.spec.project_or_default();
        let project = match self
            .projects
            .iter()
            .find(|p| p.metadata.name == project_name)
        {
            Some(project) => Ok(project.clone()),
            None if project_name == "default" => Ok(AppProject::default_project()),
            None => Err(format!(
                "application '{}': project '{project_name}' not found",
                app.metadata.name
            )),
        };
        let destination = app.spec.destination.clone().unwrap_or_default();
        let cluster = self
            .config
            .clusters
            .resolve(&destination)
            .map_err(|e| format!("application '{}': {e}", app.metadata.name));
        (project, cluster)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApplicationSet;

    fn appset(name: &str, policy: Option<&str>) -> crate::source::discovery::CatalogAppSet {
        let mut spec = serde_json::json!({"generators": [], "template": {}});
        if let Some(policy) = policy {
            spec["syncPolicy"] = serde_json::json!({"applicationsSync": policy});
        }
        let appset: ApplicationSet = serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": name}, "spec": spec,
        }))
        .expect("valid ApplicationSet");
        crate::source::discovery::CatalogAppSet {
            appset,
            file: format!("apps/{name}.yaml"),
            expansion: Default::default(),
        }
    }

    #[test]
    fn only_policies_without_delete_keep_their_apps() {
        let catalog = Catalog {
            apps: Vec::new(),
            projects: Vec::new(),
            appsets: vec![
                appset("default", None),
                appset("sync", Some("sync")),
                appset("create-only", Some("create-only")),
                appset("create-update", Some("create-update")),
                appset("create-delete", Some("create-delete")),
            ],
            clusters: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut keeping: Vec<String> = keeping_appsets(&catalog).into_keys().collect();
        keeping.sort();
        assert_eq!(keeping, ["create-only", "create-update"]);
    }
}
