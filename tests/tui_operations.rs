//! Operations and fleet navigation from keys: the sync modal's plan and
//! toggles, selective sync of marked resources, the history preview diff,
//! rollback from the History pane, the parent / ApplicationSet jump,
//! `:appset`, `:app` and `:ctx`.

mod tui_fixture;

use plumb::engine::snapshot::{Command, SyncCommand};
use plumb::engine::sync::PlanAction;
use plumb::model::ResourceKey;
use plumb::tui::app::{App, Input, Msg, Tab};
use plumb::tui::fleet::FacetField;
use plumb::tui::modal::{Modal, SyncModal};
use plumb::tui::plan;
use tui_fixture::{press, press_drawn};

fn app() -> App {
    tui_fixture::app(tui_fixture::incident())
}

fn sync_modal(app: &App) -> &SyncModal {
    match &app.modal {
        Some(Modal::Sync(sync)) => sync,
        other => panic!("expected the sync modal, got {other:?}"),
    }
}

fn planned_actions(app: &App) -> Vec<(String, PlanAction)> {
    let (_, _, plan) = sync_modal(app).plan.as_ref().expect("a plan");
    let plan = plan.as_ref().expect("the plan is computed");
    plan.groups
        .iter()
        .flat_map(|g| &g.items)
        .map(|i| (i.key.name.clone(), i.action.clone()))
        .collect()
}

fn config_key() -> ResourceKey {
    ResourceKey::new("", "ConfigMap", "orders", "orders-config")
}

#[test]
fn sync_plan_comes_from_the_comparison_and_follows_the_toggles() {
    let mut app = app();
    press(&mut app, "js");
    let actions = planned_actions(&app);
    assert_eq!(
        actions,
        vec![
            ("db-migrate".to_owned(), PlanAction::Hook),
            ("orders-config".to_owned(), PlanAction::Create),
            (
                "orders-legacy".to_owned(),
                PlanAction::PruneSkipped(plumb::engine::sync::PRUNE_SKIPPED_REQUIRES_PRUNING)
            ),
            ("orders".to_owned(), PlanAction::Update),
        ]
    );
    press(&mut app, "p");
    assert!(
        planned_actions(&app).contains(&("orders-legacy".to_owned(), PlanAction::Prune)),
        "prune on must plan the prune"
    );
    let commands = press(&mut app, "dfy");
    assert_eq!(
        commands,
        vec![Command::Sync {
            app: "orders".into(),
            options: SyncCommand {
                prune: true,
                dry_run: true,
                force: true,
                ..Default::default()
            }
        }]
    );
}

#[test]
fn marked_resources_make_a_selective_sync_without_hooks() {
    let mut app = app();
    // orders: tree → ConfigMap orders-config, mark it.
    press_drawn(&mut app, "j\nj ");
    assert_eq!(app.screen.as_ref().unwrap().marked.len(), 1);
    press(&mut app, "s");
    assert_eq!(sync_modal(&app).options.resources, vec![config_key()]);
    assert_eq!(
        planned_actions(&app),
        vec![("orders-config".to_owned(), PlanAction::Create)]
    );
    let (_, _, plan) = sync_modal(&app).plan.as_ref().unwrap();
    assert!(plan.as_ref().unwrap().hooks_skipped);
    let commands = press(&mut app, "y");
    assert_eq!(
        commands,
        vec![Command::Sync {
            app: "orders".into(),
            options: SyncCommand {
                resources: vec![config_key()],
                ..Default::default()
            }
        }]
    );
    // Space again unmarks; `u` clears every mark.
    press_drawn(&mut app, " ");
    assert!(app.screen.as_ref().unwrap().marked.is_empty());
    press_drawn(&mut app, " j u");
    assert!(app.screen.as_ref().unwrap().marked.is_empty());
    press(&mut app, "s");
    assert!(sync_modal(&app).options.resources.is_empty());
}

#[test]
fn resources_the_app_does_not_manage_cannot_be_marked() {
    let mut app = app();
    // payments: expand the Deployment, step onto its ReplicaSet.
    press_drawn(&mut app, "jj\nlj ");
    assert!(app.screen.as_ref().unwrap().marked.is_empty());
    let status = app.status.as_ref().expect("a warning").message.clone();
    assert!(status.contains("not managed by the app"), "{status}");
}

#[test]
fn history_diff_asks_for_a_preview_and_shows_it() {
    let mut app = app();
    // payments → History, older entry (#1), d.
    let commands = press(&mut app, "jj\n\t\tjd");
    assert_eq!(
        commands,
        vec![Command::Preview {
            app: "payments".into(),
            id: Some(1)
        }]
    );
    let screen = app.screen.as_ref().unwrap();
    assert_eq!((screen.tab, screen.preview), (Tab::Diff, Some(1)));
    assert!(screen.diff.lines[0].text.contains("preview of #1"));
    let arrived = tui_fixture::with_app(&app.snapshot, "payments", |v| {
        v.preview = Some(std::sync::Arc::new(tui_fixture::payments_preview(1)));
    });
    app.update(Msg::Snapshot(arrived));
    let text: Vec<&str> = app
        .screen
        .as_ref()
        .unwrap()
        .diff
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    // The entry's manifests against the live state: replicas back to 2.
    assert!(text.contains(&"--- #1 (1a2b3c4)"), "{text:#?}");
    assert!(text.contains(&"-  replicas: 2"), "{text:#?}");
    assert!(text.contains(&"+  replicas: 5"), "{text:#?}");
    // Esc leaves the preview for the History pane.
    press(&mut app, "\x1b");
    let screen = app.screen.as_ref().unwrap();
    assert_eq!((screen.tab, screen.preview), (Tab::History, None));
}

#[test]
fn r_in_history_rolls_back_to_the_selected_entry_with_the_guard() {
    let mut app = app();
    let commands = press(&mut app, "jj\n\t\tjr");
    assert_eq!(
        commands,
        vec![Command::Preview {
            app: "payments".into(),
            id: Some(1)
        }]
    );
    let Some(Modal::Rollback(rollback)) = &app.modal else {
        panic!("expected the rollback modal");
    };
    assert_eq!(rollback.selected_id(), Some(1));
    // payments deploys to prod-eu: y asks for the name first.
    assert!(press(&mut app, "y").is_empty());
    assert!(matches!(app.modal, Some(Modal::Guard { .. })));
    let commands = press(&mut app, "payments\n");
    assert_eq!(
        commands,
        vec![Command::Rollback {
            app: "payments".into(),
            id: Some(1),
            disable_auto_sync: false,
            prune: false,
            dry_run: false,
        }]
    );
}

#[test]
fn r_outside_history_still_refreshes() {
    let mut app = app();
    let commands = press(&mut app, "jj\nr");
    assert_eq!(
        commands,
        vec![Command::Refresh {
            app: Some("payments".into()),
            hard: false
        }]
    );
}

#[test]
fn rollback_offers_to_turn_auto_sync_off_and_a_dry_run_skips_the_guard() {
    let snapshot = tui_fixture::with_app(&tui_fixture::incident(), "payments", |v| {
        v.auto_sync = true;
    });
    let mut app = tui_fixture::app(snapshot);
    press(&mut app, "jj\n\t\tr");
    let Some(Modal::Rollback(rollback)) = &app.modal else {
        panic!("expected the rollback modal");
    };
    assert!(
        rollback.disable_auto_sync,
        "auto-sync on: offered and ticked"
    );
    let commands = press(&mut app, "ady");
    assert_eq!(
        commands,
        vec![Command::Rollback {
            app: "payments".into(),
            id: Some(2),
            disable_auto_sync: false,
            prune: false,
            dry_run: true,
        }]
    );
}

#[test]
fn moving_in_the_rollback_modal_asks_for_each_preview_once() {
    let mut app = app();
    let commands = press(&mut app, "jjRjjk");
    let preview = |id| Command::Preview {
        app: "payments".into(),
        id: Some(id),
    };
    assert_eq!(commands, vec![preview(2), preview(1), preview(2)]);
}

#[test]
fn readonly_refuses_rollback_from_history_but_allows_the_preview() {
    let mut app = App::new(
        tui_fixture::incident(),
        plumb::tui::keymap::Keymap::default(),
        plumb::tui::theme::Theme::monochrome(),
        true,
        &[],
    );
    assert!(press(&mut app, "jj\n\t\tr").is_empty());
    assert!(app.modal.is_none());
    assert_eq!(press(&mut app, "d").len(), 1);
}

#[test]
fn p_jumps_to_the_parent_or_lists_the_applicationset() {
    let mut app = app();
    press(&mut app, "jj\np");
    assert_eq!(app.screen.as_ref().unwrap().name, "platform");
    let mut app = app_at_inventory();
    press(&mut app, "p");
    assert!(app.screen.is_none());
    assert_eq!(app.list.facets[0].field, FacetField::AppSet);
    assert_eq!(app.list.facets[0].value, "shops");
    let names: Vec<&str> = app
        .list
        .rows
        .iter()
        .map(|&i| app.snapshot.apps[i].name.as_str())
        .collect();
    assert_eq!(names, ["inventory"]);
}

fn app_at_inventory() -> App {
    let mut app = app();
    press(&mut app, "\n");
    assert_eq!(
        app.screen.as_ref().map(|s| s.name.as_str()),
        Some("inventory")
    );
    app
}

#[test]
fn appset_and_app_commands_complete_and_navigate() {
    let mut app = app();
    press(&mut app, ":appset sh\t");
    assert_eq!(app.input, Some(Input::Command("appset shops".into())));
    press(&mut app, "\n");
    assert_eq!(app.list.rows.len(), 1);
    press(&mut app, ":appset nope\n");
    let status = app.status.as_ref().unwrap().message.clone();
    assert!(
        status.contains("no ApplicationSet named 'nope'"),
        "{status}"
    );
    press(&mut app, ":appset\n");
    assert_eq!(app.list.rows.len(), 4, "an empty :appset clears the facet");
    press(&mut app, ":app or\t");
    assert_eq!(app.input, Some(Input::Command("app orders".into())));
    press(&mut app, "\n");
    assert_eq!(app.screen.as_ref().unwrap().name, "orders");
}

#[test]
fn ctx_lists_clusters_and_choosing_one_shows_its_apps() {
    let mut app = app();
    press(&mut app, ":ctx\n");
    assert!(matches!(app.modal, Some(Modal::Contexts { selected: 0 })));
    // Entry 0 is every cluster; j past the end stays on the last one.
    press(&mut app, "jjjj\n");
    assert!(app.modal.is_none());
    let names: Vec<&str> = app
        .list
        .rows
        .iter()
        .map(|&i| app.snapshot.apps[i].name.as_str())
        .collect();
    assert_eq!(names, ["payments"]);
    press(&mut app, ":ctx in-cl\t\n");
    assert_eq!(app.list.rows.len(), 3);
    press(&mut app, ":ctx\n\n");
    assert_eq!(app.list.rows.len(), 4, "every cluster again");
    press(&mut app, ":ctx mars\n");
    assert!(app.status.as_ref().unwrap().message.contains("no cluster"));
}

#[test]
fn progress_counts_each_wave_of_the_running_operation() {
    let snapshot = tui_fixture::incident();
    let orders = snapshot.app("orders").unwrap();
    let waves = plan::progress(orders.operation.as_ref().unwrap());
    let shape: Vec<(&str, i32, usize, usize)> = waves
        .iter()
        .map(|w| (w.phase.as_str(), w.wave, w.total, w.running))
        .collect();
    assert_eq!(
        shape,
        [("PreSync", 0, 1, 1), ("Sync", 0, 2, 0), ("Sync", 1, 1, 0)]
    );
    assert_eq!(plan::counts(orders.operation.as_ref().unwrap()), (0, 4));
}

#[test]
fn an_entry_that_failed_is_not_offered_for_rollback() {
    let snapshot = tui_fixture::with_app(&tui_fixture::incident(), "payments", |v| {
        let mut failed = v.history[1].clone();
        failed.id = 3;
        failed.result = plumb::engine::sync::OperationPhase::Failed;
        failed.rollback_target = false;
        v.history.push(failed);
    });
    let mut app = tui_fixture::app(snapshot);
    assert!(press(&mut app, "jj\n\t\tr").is_empty());
    assert!(app.modal.is_none());
    let status = app.status.as_ref().expect("a warning").message.clone();
    assert!(status.contains("#3 did not succeed"), "{status}");
    // The entry below it can be rolled back to.
    assert_eq!(press(&mut app, "jr").len(), 1);
    assert!(matches!(app.modal, Some(Modal::Rollback(_))));
}

#[test]
fn an_app_not_compared_yet_cannot_be_synced_from_the_modal() {
    let snapshot = tui_fixture::with_app(&tui_fixture::incident(), "orders", |v| {
        v.comparison = None;
    });
    let mut app = tui_fixture::app(snapshot);
    press(&mut app, "js");
    let (_, _, plan) = sync_modal(&app).plan.as_ref().expect("planned");
    assert_eq!(
        plan.as_ref().err().map(String::as_str),
        Some("orders has not been compared yet")
    );
    assert!(press(&mut app, "y\n").is_empty());
    assert!(app.modal.is_some());
}

#[test]
fn quitting_asks_while_this_process_runs_an_operation() {
    let mut app = tui_fixture::app(tui_fixture::incident_syncing_here());
    press(&mut app, "q");
    assert!(!app.quit, "orders' sync runs here: quitting asks first");
    match &app.modal {
        Some(Modal::Quit { apps }) => assert_eq!(apps, &["orders"]),
        other => panic!("expected the quit modal, got {other:?}"),
    }
    press(&mut app, "n");
    assert!(!app.quit && app.modal.is_none(), "n stays");
    press(&mut app, "qy");
    assert!(app.quit, "y quits");

    let mut app = tui_fixture::app(tui_fixture::incident_syncing_here());
    press(&mut app, ":q!\n");
    assert!(app.quit, ":q! quits without asking");
}

#[test]
fn quitting_does_not_ask_about_operations_run_elsewhere_or_automated() {
    let mut app = app();
    press(&mut app, "q");
    assert!(app.quit, "another plumb's operation goes on without us");

    let mut snapshot = (*tui_fixture::incident_syncing_here()).clone();
    for view in &mut snapshot.apps {
        if let Some(op) = &mut std::sync::Arc::make_mut(view).operation {
            std::sync::Arc::make_mut(op)
                .operation
                .request
                .initiated_by
                .automated = true;
        }
    }
    let mut app = tui_fixture::app(std::sync::Arc::new(snapshot));
    press(&mut app, "q");
    assert!(
        app.quit,
        "the next plumb's auto-sync tries an automated one again"
    );
}

#[test]
fn a_generate_name_hook_is_previewed_without_a_start_time() {
    let mut snapshot = (*tui_fixture::incident()).clone();
    for view in &mut snapshot.apps {
        if view.name != "orders" {
            continue;
        }
        let view = std::sync::Arc::make_mut(view);
        let comparison = std::sync::Arc::make_mut(view.comparison.as_mut().expect("compared"));
        let hook = comparison
            .resources
            .iter_mut()
            .find(|r| r.hook)
            .expect("the PreSync hook");
        let meta = hook.desired.as_mut().expect("desired")["metadata"]
            .as_object_mut()
            .expect("metadata");
        meta.remove("name");
        meta.insert("generateName".into(), "db-migrate-".into());
    }
    let mut app = tui_fixture::app(std::sync::Arc::new(snapshot));
    press(&mut app, "js");
    let hooks: Vec<String> = planned_actions(&app)
        .into_iter()
        .filter(|(_, action)| *action == PlanAction::Hook)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let name = &hooks[0];
    assert!(
        name.starts_with("db-migrate-")
            && name.ends_with(&format!("-presync-{}", plan::START_PLACEHOLDER)),
        "{name}"
    );
}
