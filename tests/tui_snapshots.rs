//! Every view and modal rendered on a TestBackend, as text snapshots, at a
//! narrow (60x20), a default (100x30) and a wide (160x45) size.

mod tui_fixture;

use plumb::tui::app::{App, Msg};
use plumb::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    app.update(Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn incident_app() -> App {
    tui_fixture::app(tui_fixture::incident())
}

#[test]
fn app_list_at_three_sizes() {
    let mut app = incident_app();
    insta::assert_snapshot!("list_narrow", render(&mut app, 60, 20));
    insta::assert_snapshot!("list_default", render(&mut app, 100, 30));
    insta::assert_snapshot!("list_wide", render(&mut app, 160, 45));
}

#[test]
fn app_list_sorted_by_health_with_a_facet() {
    let mut app = incident_app();
    press(&mut app, "H");
    let sorted = render(&mut app, 100, 12);
    assert!(sorted.find("inventory").unwrap() < sorted.find("payments").unwrap());
    insta::assert_snapshot!("list_sorted_health", sorted);
    press(&mut app, ":health Degraded\n");
    insta::assert_snapshot!("list_facet_degraded", render(&mut app, 100, 12));
}

#[test]
fn app_list_filter() {
    let mut app = incident_app();
    press(&mut app, "/pay");
    insta::assert_snapshot!("list_filter", render(&mut app, 100, 12));
}

#[test]
fn payments_tree_and_diff_with_blame_and_masked_secret() {
    let mut app = incident_app();
    press(&mut app, "jj\n");
    insta::assert_snapshot!("payments_tree", render(&mut app, 100, 30));
    press(&mut app, "l");
    insta::assert_snapshot!("payments_tree_expanded_narrow", render(&mut app, 60, 20));
    press(&mut app, "\t");
    let diff = render(&mut app, 160, 45);
    assert!(diff.contains("spec.replicas 3 → 5, by kubectl"), "{diff}");
    assert!(
        !diff.contains("bmV3LXNlY3JldA=="),
        "a Secret value reached the screen"
    );
    insta::assert_snapshot!("payments_diff_wide", diff);
    insta::assert_snapshot!("payments_diff_narrow", render(&mut app, 60, 20));
}

#[test]
fn diff_sections_fold() {
    let mut app = incident_app();
    press(&mut app, "jj\n\t\n");
    insta::assert_snapshot!("payments_diff_folded", render(&mut app, 100, 30));
}

#[test]
fn history_events_and_manifests() {
    let mut app = incident_app();
    press(&mut app, "jj\n\t\t");
    insta::assert_snapshot!("payments_history", render(&mut app, 100, 20));
    press(&mut app, "\t");
    insta::assert_snapshot!("payments_events", render(&mut app, 100, 20));
    press(&mut app, "\t");
    let manifests = render(&mut app, 100, 30);
    assert!(manifests.contains("replicas: 3"), "{manifests}");
    insta::assert_snapshot!("payments_manifests", manifests);
}

#[test]
fn running_operation_with_waves() {
    let mut app = incident_app();
    press(&mut app, "j\n");
    insta::assert_snapshot!("orders_running", render(&mut app, 100, 24));
}

#[test]
fn sync_modal_with_toggles() {
    let mut app = incident_app();
    press(&mut app, "jspo");
    insta::assert_snapshot!("sync_modal", render(&mut app, 100, 30));
    insta::assert_snapshot!("sync_modal_narrow", render(&mut app, 60, 20));
}

#[test]
fn production_guard_modal() {
    let mut app = incident_app();
    press(&mut app, "jjs\npay");
    insta::assert_snapshot!("production_guard", render(&mut app, 100, 20));
}

#[test]
fn rollback_modal() {
    let mut app = incident_app();
    press(&mut app, "jjR");
    insta::assert_snapshot!("rollback_modal", render(&mut app, 100, 24));
}

#[test]
fn freeze_and_confirm_modals() {
    let mut app = incident_app();
    press(&mut app, "jFdeploy window");
    insta::assert_snapshot!("freeze_modal", render(&mut app, 100, 20));
    let mut app = incident_app();
    press(&mut app, "jT");
    insta::assert_snapshot!("terminate_confirm", render(&mut app, 100, 20));
}

#[test]
fn quit_while_an_operation_runs_here() {
    let mut app = tui_fixture::app(tui_fixture::incident_syncing_here());
    press(&mut app, "q");
    insta::assert_snapshot!("quit_modal", render(&mut app, 100, 16));
    insta::assert_snapshot!("quit_modal_narrow", render(&mut app, 60, 20));
}

#[test]
fn help_and_command_line() {
    let mut app = incident_app();
    press(&mut app, "?");
    insta::assert_snapshot!("help", render(&mut app, 160, 45));
    let mut app = incident_app();
    press(&mut app, ":ref");
    insta::assert_snapshot!("command_line", render(&mut app, 100, 12));
}

#[test]
fn readonly_hides_mutations() {
    let mut app = App::new(
        tui_fixture::incident(),
        plumb::tui::keymap::Keymap::default(),
        plumb::tui::theme::Theme::monochrome(),
        true,
        &[],
    );
    let screen = render(&mut app, 100, 12);
    assert!(!screen.contains("sync "), "{screen}");
    insta::assert_snapshot!("list_readonly", screen);
}

#[test]
fn selective_sync_of_marked_resources() {
    let mut app = incident_app();
    tui_fixture::press_drawn(&mut app, "j\nj ");
    insta::assert_snapshot!("orders_tree_marked", render(&mut app, 100, 24));
    press(&mut app, "s");
    insta::assert_snapshot!("sync_modal_selective", render(&mut app, 100, 24));
    insta::assert_snapshot!("sync_modal_selective_narrow", render(&mut app, 60, 20));
}

#[test]
fn running_operation_narrow() {
    let mut app = incident_app();
    press(&mut app, "j\n");
    insta::assert_snapshot!("orders_running_narrow", render(&mut app, 60, 20));
}

#[test]
fn history_preview_diff_waiting_then_arrived() {
    let mut app = incident_app();
    press(&mut app, "jj\n\t\tjd");
    insta::assert_snapshot!("history_preview_waiting", render(&mut app, 100, 16));
    let arrived = tui_fixture::with_app(&app.snapshot, "payments", |v| {
        v.preview = Some(std::sync::Arc::new(tui_fixture::payments_preview(1)));
    });
    app.update(Msg::Snapshot(arrived));
    insta::assert_snapshot!("history_preview_diff", render(&mut app, 100, 24));
    insta::assert_snapshot!("history_preview_diff_narrow", render(&mut app, 60, 20));
}

#[test]
fn history_pane_narrow() {
    let mut app = incident_app();
    press(&mut app, "jj\n\t\t");
    insta::assert_snapshot!("payments_history_narrow", render(&mut app, 60, 20));
}

#[test]
fn rollback_modal_with_preview_and_auto_sync() {
    let snapshot = tui_fixture::with_app(&tui_fixture::incident(), "payments", |v| {
        v.auto_sync = true;
        v.preview = Some(std::sync::Arc::new(tui_fixture::payments_preview(1)));
    });
    let mut app = tui_fixture::app(snapshot);
    press(&mut app, "jj\n\t\tjra");
    let screen = render(&mut app, 100, 24);
    assert!(
        screen.contains("changes 1 resource: Deployment/payments-api"),
        "{screen}"
    );
    insta::assert_snapshot!("rollback_modal_preview", screen);
    insta::assert_snapshot!("rollback_modal_preview_narrow", render(&mut app, 60, 20));
}

#[test]
fn contexts_modal() {
    let mut app = incident_app();
    press(&mut app, ":ctx\nj");
    insta::assert_snapshot!("contexts_modal", render(&mut app, 100, 16));
    insta::assert_snapshot!("contexts_modal_narrow", render(&mut app, 60, 20));
    press(&mut app, "j\n");
    insta::assert_snapshot!("list_cluster_prod_eu", render(&mut app, 100, 10));
}

#[test]
fn applicationset_breadcrumb_and_list() {
    let mut app = incident_app();
    press(&mut app, "\n");
    let screen = render(&mut app, 100, 12);
    assert!(
        screen.contains("ApplicationSet shops ▸ inventory"),
        "{screen}"
    );
    insta::assert_snapshot!("inventory_breadcrumb", screen);
    insta::assert_snapshot!("inventory_breadcrumb_narrow", render(&mut app, 60, 20));
    press(&mut app, "p");
    insta::assert_snapshot!("list_appset_shops", render(&mut app, 100, 10));
}
