//! The one keymap table: (context, chord) → action, with a description and a
//! group. Dispatch, the hint bar and the `?` help all read it; a
//! `keymap.toml` in the config dir overrides single entries.

use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. `Global` bindings apply everywhere unless a more
/// specific context binds the same chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    App,
    /// The app view's History pane; falls back to `App`, then `Global`.
    History,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::App => "app",
            Context::History => "history",
        }
    }

    /// This context, then the ones it falls back to.
    pub fn chain(self) -> &'static [Context] {
        match self {
            Context::Global => &[Context::Global],
            Context::List => &[Context::List, Context::Global],
            Context::App => &[Context::App, Context::Global],
            Context::History => &[Context::History, Context::App, Context::Global],
        }
    }

    fn parse(name: &str) -> Option<Context> {
        [
            Context::Global,
            Context::List,
            Context::App,
            Context::History,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Back,
    Open,
    Up,
    Down,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Filter,
    CommandLine,
    Sync,
    Rollback,
    Refresh,
    HardRefresh,
    Terminate,
    Freeze,
    AutoSync,
    SortName,
    SortSync,
    SortHealth,
    NextTab,
    PrevTab,
    Expand,
    Collapse,
    NextHunk,
    PrevHunk,
    ToggleContext,
    ToggleSection,
    Parent,
    HistoryDiff,
    Mark,
    ClearMarks,
}

impl Action {
    /// Actions that change the cluster or the engine's state; hidden and
    /// refused under `--readonly`.
    pub fn is_mutation(self) -> bool {
        matches!(
            self,
            Action::Sync | Action::Rollback | Action::Terminate | Action::Freeze | Action::AutoSync
        )
    }

    pub fn name(self) -> &'static str {
        ACTION_NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    fn parse(name: &str) -> Option<Action> {
        ACTION_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(a, _)| *a)
    }
}

const ACTION_NAMES: &[(Action, &str)] = &[
    (Action::Quit, "quit"),
    (Action::Help, "help"),
    (Action::Back, "back"),
    (Action::Open, "open"),
    (Action::Up, "up"),
    (Action::Down, "down"),
    (Action::Top, "top"),
    (Action::Bottom, "bottom"),
    (Action::PageDown, "page_down"),
    (Action::PageUp, "page_up"),
    (Action::Filter, "filter"),
    (Action::CommandLine, "command"),
    (Action::Sync, "sync"),
    (Action::Rollback, "rollback"),
    (Action::Refresh, "refresh"),
    (Action::HardRefresh, "hard_refresh"),
    (Action::Terminate, "terminate"),
    (Action::Freeze, "freeze"),
    (Action::AutoSync, "auto_sync"),
    (Action::SortName, "sort_name"),
    (Action::SortSync, "sort_sync"),
    (Action::SortHealth, "sort_health"),
    (Action::NextTab, "next_tab"),
    (Action::PrevTab, "prev_tab"),
    (Action::Expand, "expand"),
    (Action::Collapse, "collapse"),
    (Action::NextHunk, "next_hunk"),
    (Action::PrevHunk, "prev_hunk"),
    (Action::ToggleContext, "toggle_context"),
    (Action::ToggleSection, "toggle_section"),
    (Action::Parent, "parent"),
    (Action::HistoryDiff, "history_diff"),
    (Action::Mark, "mark"),
    (Action::ClearMarks, "clear_marks"),
];

/// How bindings are grouped in the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    General,
    Navigation,
    Operations,
    View,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Navigation => "Navigation",
            Group::Operations => "Operations",
            Group::View => "View",
        }
    }
}

/// A key with its modifiers, written `s`, `S`, `ctrl-r`, `enter`, `esc`, `tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Chord {
    pub fn parse(text: &str) -> Option<Chord> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            other => {
                let mut chars = other.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return None,
                }
            }
        };
        Some(Chord { code, ctrl })
    }

    pub fn matches(&self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl != self.ctrl {
            return false;
        }
        match (self.code, key.code) {
            // Terminals report Shift-s as 'S' with or without SHIFT.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Char(c) => write!(f, "{c}"),
            _ => f.write_str("?"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub chord: Chord,
    pub action: Action,
    pub description: &'static str,
    pub group: Group,
    /// Shown in the hint bar (the help shows every binding).
    pub hint: bool,
}

/// (context, chord, action, description, group, in the hint bar)
type Row = (Context, &'static str, Action, &'static str, Group, bool);

#[rustfmt::skip]
const DEFAULTS: &[Row] = &[
    (Context::Global, "q", Action::Quit, "quit", Group::General, true),
    (Context::Global, "ctrl-c", Action::Quit, "quit", Group::General, false),
    (Context::Global, "?", Action::Help, "help", Group::General, true),
    (Context::Global, ":", Action::CommandLine, "command", Group::General, true),
    (Context::Global, "esc", Action::Back, "back", Group::Navigation, false),
    (Context::Global, "j", Action::Down, "down", Group::Navigation, false),
    (Context::Global, "down", Action::Down, "down", Group::Navigation, false),
    (Context::Global, "k", Action::Up, "up", Group::Navigation, false),
    (Context::Global, "up", Action::Up, "up", Group::Navigation, false),
    (Context::Global, "g", Action::Top, "top", Group::Navigation, false),
    (Context::Global, "G", Action::Bottom, "bottom", Group::Navigation, false),
    (Context::Global, "ctrl-d", Action::PageDown, "half page down", Group::Navigation, false),
    (Context::Global, "ctrl-u", Action::PageUp, "half page up", Group::Navigation, false),
    (Context::Global, "s", Action::Sync, "sync", Group::Operations, true),
    (Context::Global, "R", Action::Rollback, "rollback", Group::Operations, true),
    (Context::Global, "r", Action::Refresh, "refresh", Group::Operations, true),
    (Context::Global, "ctrl-r", Action::Refresh, "refresh", Group::Operations, false),
    (Context::Global, "T", Action::Terminate, "terminate", Group::Operations, false),
    (Context::Global, "F", Action::Freeze, "freeze / unfreeze", Group::Operations, false),
    (Context::Global, "A", Action::AutoSync, "auto-sync on/off", Group::Operations, false),
    (Context::List, "enter", Action::Open, "open app", Group::Navigation, true),
    (Context::List, "/", Action::Filter, "filter", Group::View, true),
    (Context::List, "N", Action::SortName, "sort by name", Group::View, false),
    (Context::List, "S", Action::SortSync, "sort by sync", Group::View, false),
    (Context::List, "H", Action::SortHealth, "sort by health", Group::View, false),
    (Context::App, "tab", Action::NextTab, "next pane", Group::View, true),
    (Context::App, "backtab", Action::PrevTab, "previous pane", Group::View, false),
    (Context::App, "l", Action::Expand, "expand", Group::Navigation, false),
    (Context::App, "h", Action::Collapse, "collapse", Group::Navigation, false),
    (Context::App, "enter", Action::ToggleSection, "fold section / open child app", Group::View, false),
    (Context::App, "n", Action::NextHunk, "next hunk", Group::Navigation, true),
    (Context::App, "N", Action::PrevHunk, "previous hunk", Group::Navigation, false),
    (Context::App, "/", Action::Filter, "search diff", Group::View, false),
    (Context::App, "c", Action::ToggleContext, "compact / full context", Group::View, true),
    (Context::App, "space", Action::Mark, "mark for selective sync", Group::Operations, false),
    (Context::App, "u", Action::ClearMarks, "clear marks", Group::Operations, false),
    (Context::Global, "p", Action::Parent, "parent app / ApplicationSet's apps", Group::Navigation, false),
    (Context::History, "d", Action::HistoryDiff, "diff entry vs live", Group::View, true),
    (Context::History, "r", Action::Rollback, "roll back to entry", Group::Operations, true),
];

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    /// Override entries that were not understood, for the status line.
    pub warnings: Vec<String>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .filter_map(|&(context, chord, action, description, group, hint)| {
                Some(Binding {
                    context,
                    // Every default chord parses (checked by a test).
                    chord: Chord::parse(chord)?,
                    action,
                    description,
                    group,
                    hint,
                })
            })
            .collect();
        Keymap {
            bindings,
            warnings: Vec::new(),
        }
    }
}

impl Keymap {
    /// The defaults with `<config_dir>/keymap.toml` applied, if it exists.
    pub fn load(config_dir: &Path) -> Keymap {
        let path = config_dir.join("keymap.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Keymap::with_overrides(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Keymap::default(),
            Err(e) => {
                let mut keymap = Keymap::default();
                keymap.warnings.push(format!("{}: {e}", path.display()));
                keymap
            }
        }
    }

    /// Applies overrides written as `[context]` tables of `action = "chord"`:
    /// the action's chords in that context are replaced by the given one.
    pub fn with_overrides(text: &str, file: &str) -> Keymap {
        let mut keymap = Keymap::default();
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                keymap
                    .warnings
                    .push(format!("{file}: not valid TOML: {}", e.message()));
                return keymap;
            }
        };
        for (context_name, entries) in &table {
            let Some(context) = Context::parse(context_name) else {
                keymap.warnings.push(format!(
                    "{file}: unknown context '{context_name}' (global, list, app, history)"
                ));
                continue;
            };
            let Some(entries) = entries.as_table() else {
                keymap
                    .warnings
                    .push(format!("{file}: '{context_name}' must be a table"));
                continue;
            };
            for (action_name, chord) in entries {
                let at = format!("{file}: {context_name}.{action_name}");
                let Some(action) = Action::parse(action_name) else {
                    keymap.warnings.push(format!("{at}: unknown action"));
                    continue;
                };
                let Some(chord) = chord.as_str().and_then(Chord::parse) else {
                    keymap
                        .warnings
                        .push(format!("{at}: not a key (try \"s\", \"S\", \"ctrl-r\")"));
                    continue;
                };
                keymap.rebind(context, action, chord);
            }
        }
        keymap
    }

    fn rebind(&mut self, context: Context, action: Action, chord: Chord) {
        let template = self
            .bindings
            .iter()
            .find(|b| b.action == action)
            .cloned()
            .unwrap_or(Binding {
                context,
                chord,
                action,
                description: action.name(),
                group: Group::General,
                hint: false,
            });
        self.bindings
            .retain(|b| !(b.context == context && (b.action == action || b.chord == chord)));
        self.bindings.push(Binding {
            context,
            chord,
            ..template
        });
    }

    /// The action bound to a key in a context (falling back along its chain).
    pub fn action(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        context.chain().iter().find_map(|&ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.chord.matches(key))
                .map(|b| b.action)
        })
    }

    /// The bindings visible in a context, the context's own first.
    pub fn visible(&self, context: Context, readonly: bool) -> Vec<&Binding> {
        let mut out: Vec<&Binding> = Vec::new();
        for &ctx in context.chain() {
            for b in self.bindings.iter().filter(|b| b.context == ctx) {
                let shadowed = out.iter().any(|o| o.chord == b.chord);
                let hidden = readonly && b.action.is_mutation();
                if !shadowed && !hidden {
                    out.push(b);
                }
            }
        }
        out
    }

    /// `key description` pairs for the hint bar.
    pub fn hints(&self, context: Context, readonly: bool) -> Vec<(String, &'static str)> {
        self.visible(context, readonly)
            .into_iter()
            .filter(|b| b.hint)
            .map(|b| (b.chord.to_string(), b.description))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn every_default_chord_parses() {
        assert_eq!(Keymap::default().bindings.len(), DEFAULTS.len());
    }

    #[test]
    fn context_bindings_shadow_global_ones() {
        let km = Keymap::default();
        assert_eq!(km.action(Context::App, &key('N')), Some(Action::PrevHunk));
        assert_eq!(km.action(Context::List, &key('N')), Some(Action::SortName));
        assert_eq!(km.action(Context::List, &key('s')), Some(Action::Sync));
    }

    #[test]
    fn history_falls_back_to_app_then_global() {
        let km = Keymap::default();
        let tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(
            km.action(Context::History, &key('r')),
            Some(Action::Rollback)
        );
        assert_eq!(km.action(Context::App, &key('r')), Some(Action::Refresh));
        assert_eq!(km.action(Context::History, &tab), Some(Action::NextTab));
        assert_eq!(km.action(Context::History, &key('q')), Some(Action::Quit));
        let km = Keymap::with_overrides("[history]\nrollback = \"X\"\n", "keymap.toml");
        assert!(km.warnings.is_empty(), "{:?}", km.warnings);
        assert_eq!(
            km.action(Context::History, &key('X')),
            Some(Action::Rollback)
        );
        assert_eq!(
            km.action(Context::History, &key('R')),
            Some(Action::Rollback)
        );
    }

    #[test]
    fn readonly_hides_mutations_from_hints() {
        let km = Keymap::default();
        let hints = km.hints(Context::List, true);
        assert!(hints.iter().all(|(_, d)| *d != "sync"), "{hints:?}");
        assert!(
            km.hints(Context::List, false)
                .iter()
                .any(|(_, d)| *d == "sync")
        );
    }
}
