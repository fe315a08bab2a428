//! Key dispatch: keys go through the keymap to `App::update`, and the
//! commands it returns reach the engine through a fake [`Handle`].

mod tui_fixture;

use std::sync::Arc;

use plumb::engine::snapshot::{Command, Handle, Snapshot, SyncCommand};
use plumb::tui::app::{App, Input, Msg, Tab};
use plumb::tui::keymap::{Action, Context, Keymap};
use plumb::tui::modal::Modal;
use plumb::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::{broadcast, mpsc, watch};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Presses keys and returns every command they produced.
fn press(app: &mut App, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            app.update(key(code))
        })
        .collect()
}

fn fake_handle(snapshot: Arc<Snapshot>) -> (Handle, mpsc::Receiver<Command>) {
    let (tx, rx) = mpsc::channel(8);
    let (_snap_tx, snap_rx) = watch::channel(snapshot);
    let (notice_tx, _) = broadcast::channel(8);
    (Handle::new(tx, snap_rx, notice_tx), rx)
}

#[test]
fn sync_modal_toggles_reach_the_engine_through_the_handle() {
    let snapshot = tui_fixture::incident();
    let (handle, mut rx) = fake_handle(snapshot.clone());
    let mut app = tui_fixture::app(snapshot);
    // orders (not production): open the modal, prune + dry run, confirm.
    for command in press(&mut app, "jspdy") {
        handle.try_send(command).unwrap();
    }
    assert_eq!(
        rx.try_recv().unwrap(),
        Command::Sync {
            app: "orders".into(),
            options: SyncCommand {
                prune: true,
                dry_run: true,
                ..Default::default()
            }
        }
    );
    assert!(app.modal.is_none());
}

#[test]
fn production_sync_requires_the_app_name() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    assert!(press(&mut app, "jjs\n").is_empty());
    assert!(matches!(app.modal, Some(Modal::Guard { .. })));
    assert!(
        press(&mut app, "paymnts\n").is_empty(),
        "wrong name accepted"
    );
    let mut app = tui_fixture::app(tui_fixture::incident());
    let commands = press(&mut app, "jjs\npayments\n");
    assert_eq!(
        commands,
        vec![Command::Sync {
            app: "payments".into(),
            options: SyncCommand::default()
        }]
    );
}

#[test]
fn rollback_defaults_to_turning_auto_sync_off_when_on() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    // payments (auto-sync off): pick the older entry, guard, confirm.
    let commands = press(&mut app, "jjRjypayments\n");
    let preview = |id| Command::Preview {
        app: "payments".into(),
        id: Some(id),
    };
    assert_eq!(
        commands,
        vec![
            preview(2),
            preview(1),
            Command::Rollback {
                app: "payments".into(),
                id: Some(1),
                disable_auto_sync: false,
                prune: false,
                dry_run: false,
            }
        ]
    );
}

#[test]
fn refresh_hard_refresh_freeze_and_auto_sync() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    assert_eq!(
        app.update(ctrl('r')),
        vec![Command::Refresh {
            app: Some("inventory".into()),
            hard: false
        }]
    );
    assert_eq!(
        press(&mut app, ":refresh!\n"),
        vec![Command::Refresh {
            app: Some("inventory".into()),
            hard: true
        }]
    );
    assert_eq!(
        press(&mut app, ":refresh! all\n"),
        vec![Command::Refresh {
            app: None,
            hard: true
        }]
    );
    // inventory is frozen: F unfreezes.
    assert_eq!(
        press(&mut app, "F"),
        vec![Command::Unfreeze {
            app: Some("inventory".into())
        }]
    );
    assert_eq!(
        press(&mut app, "jFdeploy\n"),
        vec![Command::Freeze {
            app: Some("orders".into()),
            reason: "deploy".into()
        }]
    );
    assert_eq!(
        press(&mut app, "A"),
        vec![Command::SetAutoSync {
            app: "orders".into(),
            auto_sync: Some(false),
            self_heal: None
        }]
    );
    assert_eq!(
        press(&mut app, "Ty"),
        vec![Command::Terminate {
            app: "orders".into()
        }]
    );
}

#[test]
fn readonly_refuses_every_mutation() {
    let mut app = App::new(
        tui_fixture::incident(),
        Keymap::default(),
        Theme::monochrome(),
        true,
        &[],
    );
    assert!(press(&mut app, "sRFAT:sync\n:freeze x\n").is_empty());
    assert!(app.modal.is_none());
    assert!(app.status.unwrap().message.contains("read-only"));
}

#[test]
fn navigation_tabs_back_and_quit() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    press(&mut app, "G");
    assert_eq!(app.current().unwrap().name, "platform");
    press(&mut app, "gjj\n\t");
    let screen = app.screen.as_ref().unwrap();
    assert_eq!((screen.name.as_str(), screen.tab), ("payments", Tab::Diff));
    // n jumps to the first hunk header.
    press(&mut app, "n");
    let diff = &app.screen.as_ref().unwrap().diff;
    assert!(diff.lines[diff.scroll].text.starts_with("@@"));
    press(&mut app, "p");
    assert_eq!(app.screen.as_ref().unwrap().name, "platform");
    press(&mut app, "\x1b");
    assert!(app.screen.is_none());
    press(&mut app, ":q\n");
    assert!(app.quit);
    let mut app = tui_fixture::app(tui_fixture::incident());
    press(&mut app, "s");
    app.update(ctrl('c'));
    assert!(app.quit, "ctrl-c quits even from a modal");
}

#[test]
fn command_line_completes_commands_and_app_names() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    press(&mut app, ":rol\t");
    assert_eq!(app.input, Some(Input::Command("rollback".into())));
    press(&mut app, "\x1b:app pa\t");
    assert_eq!(app.input, Some(Input::Command("app payments".into())));
    press(&mut app, "\n");
    assert_eq!(app.screen.as_ref().unwrap().name, "payments");
}

#[test]
fn filter_and_facets_narrow_the_list() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    press(&mut app, "/ord");
    assert_eq!(app.list.rows.len(), 1);
    press(&mut app, "\x1b:status OutOfSync\n:project payments\n");
    assert_eq!(app.current().unwrap().name, "payments");
    assert_eq!(app.list.rows.len(), 1);
    press(&mut app, ":all\n");
    assert_eq!(app.list.rows.len(), 4);
}

#[test]
fn keymap_overrides_rebind_and_bad_entries_become_warnings() {
    let text = r#"
[list]
sync = "Z"
launch = "x"
refresh = "ctrl-too-long"
[nowhere]
quit = "x"
"#;
    let keymap = Keymap::with_overrides(text, "keymap.toml");
    let z = KeyEvent::new(KeyCode::Char('Z'), KeyModifiers::NONE);
    let s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE);
    assert_eq!(keymap.action(Context::List, &z), Some(Action::Sync));
    // `s` still syncs through the global binding.
    assert_eq!(keymap.action(Context::List, &s), Some(Action::Sync));
    assert_eq!(keymap.warnings.len(), 3, "{:?}", keymap.warnings);
    assert!(keymap.warnings.iter().any(|w| w.contains("list.launch")));
    assert!(keymap.warnings.iter().any(|w| w.contains("nowhere")));
    let app = App::new(
        tui_fixture::incident(),
        keymap,
        Theme::monochrome(),
        false,
        &[],
    );
    assert!(app.status.unwrap().message.contains("list.launch"));
}

#[test]
fn broken_keymap_file_keeps_defaults_with_a_warning() {
    let keymap = Keymap::with_overrides("[list\nsync=", "keymap.toml");
    assert_eq!(keymap.bindings.len(), Keymap::default().bindings.len());
    assert!(keymap.warnings[0].starts_with("keymap.toml: not valid TOML"));
}
