//! The terminal console.
//!
//! [`app::App`] holds UI state and turns messages into engine
//! [`Command`](crate::engine::snapshot::Command)s; [`views`] draws it;
//! [`runner::run`] joins both to a terminal and an engine
//! [`Handle`](crate::engine::snapshot::Handle).

pub mod app;
pub mod command_line;
pub mod diff_pane;
pub mod fleet;
pub mod keymap;
pub mod modal;
mod mouse;
mod navigation;
mod operations;
pub mod plan;
pub mod runner;
pub mod theme;
pub mod tree_select;
pub mod views;

/// Restores the terminal (raw mode off, main screen, cursor shown) before a
/// panic report is printed, then hands over to the previous hook.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Leaves raw mode and the alternate screen; harmless when neither is active.
pub fn restore_terminal() {
    use ratatui::crossterm::{cursor, execute, terminal};
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        ratatui::crossterm::event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
