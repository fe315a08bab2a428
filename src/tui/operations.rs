//! Operations and fleet navigation from the app view: the sync modal with
//! its plan and marked resources, rollback with its preview, the history
//! diff, the parent / ApplicationSet jump and the cluster list.

use super::app::{App, Tab};
use super::fleet::{self, Facet, FacetField};
use super::modal::{Modal, RollbackModal, SyncModal};
use super::plan;
use super::tree_select::selected_node_id;
use crate::engine::snapshot::{AppView, Command, SyncCommand};
use crate::engine::tree::node_id;
use crate::model::ResourceKey;

impl App {
    /// The sync modal for `app`; resources marked in its tree make it a
    /// selective sync.
    pub fn open_sync(&mut self, app: &AppView) {
        let options = SyncCommand {
            resources: self.marked_keys(app),
            ..SyncCommand::default()
        };
        self.modal = Some(Modal::Sync(SyncModal {
            app: app.name.clone(),
            options,
            production: self.is_production(app),
            plan: None,
        }));
    }

    /// The marked tree nodes of the open app, as resource keys.
    fn marked_keys(&self, app: &AppView) -> Vec<ResourceKey> {
        let (Some(screen), Some(comparison)) = (&self.screen, &app.comparison) else {
            return Vec::new();
        };
        if screen.name != app.name {
            return Vec::new();
        }
        comparison
            .resources
            .iter()
            .filter(|r| screen.marked.contains(&node_id(&r.key)))
            .map(|r| r.key.clone())
            .collect()
    }

    /// Space in the tree: marks or unmarks the selected resource. Only
    /// resources the app manages can be synced selectively.
    pub(super) fn mark(&mut self) {
        let snapshot = self.snapshot.clone();
        let Some(screen) = &mut self.screen else {
            return;
        };
        if screen.tab != Tab::Tree {
            return;
        }
        let Some(id) = selected_node_id(&screen.tree, snapshot.app(&screen.name).map(|a| &**a))
        else {
            return;
        };
        let managed = snapshot
            .app(&screen.name)
            .and_then(|a| a.comparison.as_ref())
            .is_some_and(|c| c.resources.iter().any(|r| node_id(&r.key) == id));
        if !managed {
            self.warn(format!(
                "{id} is not managed by the app: it cannot be synced on its own"
            ));
            return;
        }
        if !screen.marked.remove(&id) {
            screen.marked.insert(id);
        }
        screen.tree_rows = None;
    }

    pub(super) fn clear_marks(&mut self) {
        if let Some(screen) = &mut self.screen {
            screen.marked.clear();
            screen.tree_rows = None;
        }
    }

    pub fn open_rollback(&mut self, app: &AppView) {
        let ids: Vec<i64> = app
            .history
            .iter()
            .rev()
            .filter(|h| h.rollback_target)
            .map(|h| h.id)
            .collect();
        if ids.is_empty() {
            self.warn(format!("{}: no history entry to roll back to", app.name));
            return;
        }
        let wanted = self.selected_history_id(app);
        let selected = match wanted {
            None => 0,
            Some(id) => match ids.iter().position(|i| *i == id) {
                Some(index) => index,
                None => {
                    self.warn(format!(
                        "{}: #{id} did not succeed, so it cannot be rolled back to",
                        app.name
                    ));
                    return;
                }
            },
        };
        self.modal = Some(Modal::Rollback(RollbackModal {
            app: app.name.clone(),
            ids,
            selected,
            disable_auto_sync: app.auto_sync,
            prune: false,
            dry_run: false,
            production: self.is_production(app),
            previewed: None,
        }));
    }

    /// The history entry under the cursor in the History pane.
    fn selected_history_id(&self, app: &AppView) -> Option<i64> {
        self.screen
            .as_ref()
            .filter(|s| s.tab == Tab::History && s.name == app.name)
            .and_then(|s| app.history.iter().rev().nth(s.history_selected))
            .map(|h| h.id)
    }

    /// `d` in History: asks the engine for the entry's preview and shows
    /// it in the diff pane.
    pub(super) fn history_diff(&mut self) -> Vec<Command> {
        let Some(app) = self.current().cloned() else {
            return Vec::new();
        };
        let Some(id) = self.selected_history_id(&app) else {
            return Vec::new();
        };
        if let Some(screen) = &mut self.screen {
            screen.preview = Some(id);
            screen.focus = None;
            screen.tab = Tab::Diff;
            screen.diff.scroll = 0;
        }
        vec![Command::Preview {
            app: app.name.clone(),
            id: Some(id),
        }]
    }

    /// Keeps open modals current: the sync plan follows the toggles and
    /// the snapshot; the rollback modal asks for the chosen entry's preview.
    pub(super) fn refresh_modal(&mut self) -> Vec<Command> {
        let generation = self.snapshot.generation;
        match &mut self.modal {
            Some(Modal::Sync(sync)) => {
                let stale = sync
                    .plan
                    .as_ref()
                    .is_none_or(|(g, options, _)| *g != generation || *options != sync.options);
                if stale {
                    let planned = match self.snapshot.app(&sync.app) {
                        Some(view) => plan::sync_plan(view, &sync.options),
                        None => Err(format!("{} is no longer in the catalog", sync.app)),
                    };
                    sync.plan = Some((generation, sync.options.clone(), planned));
                }
                Vec::new()
            }
            Some(Modal::Rollback(rollback)) => {
                let id = rollback.selected_id();
                if id.is_none() || rollback.previewed == id {
                    return Vec::new();
                }
                rollback.previewed = id;
                vec![Command::Preview {
                    app: rollback.app.clone(),
                    id,
                }]
            }
            Some(Modal::Contexts { selected }) => {
                *selected = (*selected).min(self.snapshot.clusters.len());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// `p`: the parent app, else the list of the ApplicationSet's apps.
    pub(super) fn parent(&mut self, app: &AppView) {
        if let Some(parent) = &app.parent {
            self.open(parent);
        } else if let Some(appset) = fleet::appset_name(app) {
            let appset = appset.to_owned();
            self.show_appset(&appset);
        } else {
            self.warn(format!("{}: no parent app and no ApplicationSet", app.name));
        }
    }

    /// The list, showing only the apps `appset` generated.
    pub fn show_appset(&mut self, appset: &str) {
        self.set_facet(FacetField::AppSet, appset);
    }

    /// Shows the list with one facet set (an empty value clears it).
    pub fn set_facet(&mut self, field: FacetField, value: &str) {
        self.screen = None;
        self.list.facets.retain(|f| f.field != field);
        if !value.is_empty() {
            self.list.facets.push(Facet {
                field,
                value: value.to_owned(),
            });
        }
        self.refilter();
    }

    /// Quits, unless operations a user started here would stop with it:
    /// then asks first (Ctrl-C and `:q!` do not ask). Automated ones are
    /// not asked about: the next plumb's auto-sync tries them again.
    pub(super) fn ask_quit(&mut self) {
        let apps: Vec<String> = self
            .snapshot
            .apps
            .iter()
            .filter(|a| {
                a.operation_here
                    && a.operation
                        .as_ref()
                        .is_some_and(|op| !op.operation.request.initiated_by.automated)
            })
            .map(|a| a.name.clone())
            .collect();
        if apps.is_empty() {
            self.quit = true;
        } else {
            self.modal = Some(Modal::Quit { apps });
        }
    }

    /// An entry of a list modal was chosen.
    pub(super) fn choose(&mut self, index: usize) {
        let Some(Modal::Contexts { .. }) = self.modal.take() else {
            return;
        };
        // Entry 0 is "every cluster".
        let cluster = index
            .checked_sub(1)
            .and_then(|i| self.snapshot.clusters.get(i))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        self.set_facet(FacetField::Cluster, &cluster);
    }
}
