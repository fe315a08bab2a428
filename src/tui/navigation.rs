//! Motions and app-view actions: moving selections in the list and in
//! each pane, switching tabs, folding, jumping between hunks.

use super::app::{App, Tab};
use super::keymap::Action;
use super::tree_select::selected_node_id;

impl App {
    pub(super) fn motion(&mut self, action: Action) {
        let page = usize::from(self.height / 2).max(1);
        let Some(screen) = &mut self.screen else {
            let last = self.list.rows.len().saturating_sub(1);
            let s = &mut self.list.selected;
            *s = match action {
                Action::Up => s.saturating_sub(1),
                Action::Down => (*s + 1).min(last),
                Action::Top => 0,
                Action::Bottom => last,
                Action::PageDown => (*s + page).min(last),
                _ => s.saturating_sub(page),
            };
            return;
        };
        match screen.tab {
            Tab::Tree => {
                match action {
                    Action::Up => screen.tree.key_up(),
                    Action::Down => screen.tree.key_down(),
                    Action::Top => screen.tree.select_first(),
                    Action::Bottom => screen.tree.select_last(),
                    Action::PageDown => screen.tree.select_relative(|c| c.map_or(0, |c| c + page)),
                    _ => screen
                        .tree
                        .select_relative(|c| c.map_or(0, |c| c.saturating_sub(page))),
                };
            }
            Tab::Diff => screen.diff.motion(action, page),
            Tab::History => {
                let s = &mut screen.history_selected;
                *s = match action {
                    Action::Up => s.saturating_sub(1),
                    Action::Top => 0,
                    Action::Down => *s + 1,
                    Action::Bottom => usize::MAX,
                    Action::PageDown => *s + page,
                    _ => s.saturating_sub(page),
                };
            }
            Tab::Events | Tab::Manifests => {
                let s = &mut screen.scroll;
                *s = match action {
                    Action::Up => s.saturating_sub(1),
                    Action::Top => 0,
                    Action::Down => *s + 1,
                    Action::Bottom => usize::MAX / 2,
                    Action::PageDown => *s + page,
                    _ => s.saturating_sub(page),
                };
            }
        }
    }

    pub(super) fn app_action(&mut self, action: Action) {
        let snapshot = self.snapshot.clone();
        let Some(screen) = &mut self.screen else {
            return;
        };
        match action {
            Action::NextTab => screen.tab = screen.tab.step(true),
            Action::PrevTab => screen.tab = screen.tab.step(false),
            Action::Expand if screen.tab == Tab::Tree => {
                screen.tree.key_right();
            }
            Action::Collapse if screen.tab == Tab::Tree => {
                screen.tree.key_left();
            }
            Action::ToggleSection if screen.tab == Tab::Tree => {
                let view = snapshot.app(&screen.name).map(|a| &**a);
                let Some(id) = selected_node_id(&screen.tree, view) else {
                    return;
                };
                let child_app = id
                    .strip_prefix("argoproj.io/Application/")
                    .and_then(|rest| rest.rsplit('/').next())
                    .filter(|name| snapshot.app(name).is_some())
                    .map(str::to_owned);
                match child_app {
                    Some(name) => self.open(&name),
                    None => {
                        screen.focus = Some(id);
                        screen.tab = Tab::Diff;
                        screen.diff.scroll = 0;
                    }
                }
            }
            Action::ToggleSection if screen.tab == Tab::Diff => screen.diff.toggle_section(),
            Action::NextHunk | Action::PrevHunk if screen.tab == Tab::Diff => {
                screen.diff.jump(action == Action::NextHunk)
            }
            Action::ToggleContext if screen.tab == Tab::Diff => {
                screen.diff.full_context = !screen.diff.full_context
            }
            _ => {}
        }
    }
}
