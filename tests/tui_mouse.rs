//! Mouse input (opt-in): the wheel moves like the arrow keys, a click
//! selects a list row or a tree node, a click on the selected row opens it.

mod tui_fixture;

use plumb::tui::app::{App, Msg};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn draw(app: &mut App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    terminal
        .draw(|f| plumb::tui::views::draw(f, app))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    app.update(Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn click(app: &mut App, column: u16, row: u16) {
    mouse(app, MouseEventKind::Down(MouseButton::Left), column, row);
}

/// The screen row showing `text` first.
fn row_of(screen: &str, text: &str) -> u16 {
    let row = screen
        .lines()
        .position(|l| l.starts_with(text))
        .unwrap_or_else(|| panic!("{text} on screen:\n{screen}"));
    u16::try_from(row).expect("small screen")
}

#[test]
fn the_wheel_moves_and_a_click_selects_then_opens_a_list_row() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    let screen = draw(&mut app);
    assert_eq!(app.current().expect("selected").name, "inventory");
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 10);
    assert_eq!(app.current().expect("selected").name, "orders");
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 10);
    assert_eq!(app.current().expect("selected").name, "inventory");

    let payments = row_of(&screen, "payments");
    click(&mut app, 5, payments);
    assert_eq!(app.current().expect("selected").name, "payments");
    assert!(app.screen.is_none(), "the first click only selects");
    click(&mut app, 5, payments);
    assert_eq!(
        app.screen.as_ref().map(|s| s.name.as_str()),
        Some("payments")
    );

    click(&mut app, 5, 0);
    assert_eq!(
        app.screen.as_ref().map(|s| s.name.as_str()),
        Some("payments"),
        "a click outside the rows does nothing"
    );
}

#[test]
fn a_click_selects_a_tree_node() {
    let mut app = tui_fixture::app(tui_fixture::incident());
    app.open("payments");
    let screen = draw(&mut app);
    let before = app.screen.as_ref().expect("open").tree.selected().to_vec();
    let line = screen
        .lines()
        .position(|l| l.contains("Secret "))
        .unwrap_or_else(|| panic!("a Secret node:\n{screen}"));
    click(&mut app, 4, u16::try_from(line).expect("row"));
    let after = app.screen.as_ref().expect("open").tree.selected().to_vec();
    assert_ne!(after, before, "the clicked node is selected");
    let screen = draw(&mut app);
    let selected_line = screen.lines().nth(line).expect("line");
    assert!(selected_line.contains("Secret "), "{screen}");
}
