//! Mouse input, when `[tui] mouse = true` (off by default, as k9s'
//! `ui.enableMouse`: while the console captures the mouse, the terminal's
//! own text selection needs Shift). The wheel moves like the arrow keys, in
//! whatever has focus; a click selects a list row or a tree node, and a
//! click on the selected list row opens it.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

use super::app::{App, Tab};
use super::keymap::Action;
use crate::engine::snapshot::Command;

/// The list rows last drawn: the screen row of the first and which rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrawnRows {
    pub top: u16,
    pub offset: usize,
    pub count: usize,
}

impl DrawnRows {
    /// The list row at screen row `y`, if one is drawn there.
    pub fn at(&self, y: u16) -> Option<usize> {
        let line = usize::from(y.checked_sub(self.top)?);
        (line < self.count).then_some(self.offset + line)
    }
}

impl App {
    pub(super) fn mouse(&mut self, event: MouseEvent) -> Vec<Command> {
        match event.kind {
            MouseEventKind::ScrollDown => {
                self.key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
            }
            MouseEventKind::ScrollUp => self.key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
            MouseEventKind::Down(MouseButton::Left)
                if self.modal.is_none() && self.input.is_none() =>
            {
                self.click(event.column, event.row)
            }
            _ => Vec::new(),
        }
    }

    fn click(&mut self, column: u16, row: u16) -> Vec<Command> {
        match &mut self.screen {
            Some(screen) if screen.tab == Tab::Tree => {
                screen.tree.click_at(Position::new(column, row));
                Vec::new()
            }
            Some(_) => Vec::new(),
            None => match self.list.drawn.at(row) {
                Some(index) if index == self.list.selected => self.act(Action::Open),
                Some(index) => {
                    self.list.selected = index;
                    Vec::new()
                }
                None => Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DrawnRows;

    #[test]
    fn a_screen_row_maps_to_the_list_row_drawn_there() {
        let drawn = DrawnRows {
            top: 3,
            offset: 10,
            count: 5,
        };
        assert_eq!(drawn.at(2), None);
        assert_eq!(drawn.at(3), Some(10));
        assert_eq!(drawn.at(7), Some(14));
        assert_eq!(drawn.at(8), None);
    }
}
