//! The terminal console.

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
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}
