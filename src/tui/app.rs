//! UI state and the pure `update(Msg) -> Vec<Command>`: no terminal, no
//! engine calls; the runner sends the returned commands.

use std::collections::BTreeSet;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_tree_widget::{TreeItem, TreeState};

use super::command_line;
use super::diff_pane::DiffState;
use super::fleet::{self, Facet, SortKey};
use super::keymap::{Action, Context, Keymap};
use super::modal::{Modal, Outcome};
use super::theme::Theme;
use crate::engine::snapshot::{AppView, Command, Notice, NoticeLevel, Snapshot};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(ratatui::crossterm::event::MouseEvent),
    Snapshot(Arc<Snapshot>),
    Notice(Notice),
    Resize { width: u16, height: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Tree,
    Diff,
    History,
    Events,
    Manifests,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Tree,
        Tab::Diff,
        Tab::History,
        Tab::Events,
        Tab::Manifests,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Tree => "Tree",
            Tab::Diff => "Diff",
            Tab::History => "History",
            Tab::Events => "Events",
            Tab::Manifests => "Manifests",
        }
    }

    pub fn step(self, forward: bool) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        let n = Tab::ALL.len();
        Tab::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The one-line text input at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Filter(String),
    Search(String),
    Command(String),
}

#[derive(Debug, Default)]
pub struct ListState {
    pub rows: Vec<usize>,
    pub selected: usize,
    pub filter: String,
    pub facets: Vec<Facet>,
    pub sort: SortKey,
    /// The fleet summary line, counted once per snapshot.
    pub summary: String,
    /// Where the rows were last drawn, for mouse clicks.
    pub drawn: super::mouse::DrawnRows,
}

#[derive(Debug)]
pub struct AppScreen {
    pub name: String,
    pub tab: Tab,
    /// Keyed by [`node_tag`](super::tree_select::node_tag).
    pub tree: TreeState<u64>,
    /// The resource (tree node id) the diff and manifests are about;
    /// `None` is the whole app.
    pub focus: Option<String>,
    pub diff: DiffState,
    pub history_selected: usize,
    pub scroll: usize,
    /// Tree rows built for one snapshot generation, reused across frames
    /// (cleared when marks change).
    pub tree_rows: Option<(u64, Vec<TreeItem<'static, u64>>)>,
    /// Tree node ids marked for a selective sync.
    pub marked: BTreeSet<String>,
    /// The history id whose rollback preview the diff pane shows instead
    /// of the live diff.
    pub preview: Option<i64>,
}

pub struct App {
    pub snapshot: Arc<Snapshot>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub readonly: bool,
    production: GlobSet,
    pub list: ListState,
    pub screen: Option<AppScreen>,
    pub modal: Option<Modal>,
    pub input: Option<Input>,
    pub status: Option<Notice>,
    pub height: u16,
    pub quit: bool,
}

impl App {
    pub fn new(
        snapshot: Arc<Snapshot>,
        keymap: Keymap,
        theme: Theme,
        readonly: bool,
        production: &[String],
    ) -> App {
        let mut warnings: Vec<String> = keymap.warnings.clone();
        warnings.extend(theme.warnings.iter().cloned());
        let mut builder = GlobSetBuilder::new();
        for pattern in production {
            match Glob::new(pattern) {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => warnings.push(format!("settings: tui.production: {e}")),
            }
        }
        let production = builder.build().unwrap_or_else(|_| GlobSet::empty());
        let status = (!warnings.is_empty()).then(|| Notice {
            app: None,
            level: NoticeLevel::Warning,
            message: warnings.join("; "),
        });
        let mut app = App {
            snapshot,
            keymap,
            theme,
            readonly,
            production,
            list: ListState::default(),
            screen: None,
            modal: None,
            input: None,
            status,
            height: 24,
            quit: false,
        };
        app.refilter();
        app
    }

    pub fn context(&self) -> Context {
        match &self.screen {
            Some(screen) if screen.tab == Tab::History => Context::History,
            Some(_) => Context::App,
            None => Context::List,
        }
    }

    /// The app the user is looking at: the open one, else the list selection.
    pub fn current(&self) -> Option<&Arc<AppView>> {
        match &self.screen {
            Some(screen) => self.snapshot.app(&screen.name),
            None => self
                .list
                .rows
                .get(self.list.selected)
                .and_then(|&i| self.snapshot.apps.get(i)),
        }
    }

    pub fn is_production(&self, app: &AppView) -> bool {
        fleet::destination_names(app)
            .into_iter()
            .any(|name| self.production.is_match(name))
    }

    pub fn refilter(&mut self) {
        let selected_name = self.current().map(|a| a.name.clone());
        let l = &mut self.list;
        l.summary = fleet::summary(&self.snapshot);
        l.rows = fleet::visible(&self.snapshot, &l.filter, &l.facets, l.sort);
        let found = selected_name.and_then(|name| {
            l.rows
                .iter()
                .position(|&i| self.snapshot.apps[i].name == name)
        });
        l.selected = found.unwrap_or(l.selected.min(l.rows.len().saturating_sub(1)));
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        let mut commands = self.dispatch(msg);
        commands.extend(self.refresh_modal());
        self.refresh_diff();
        commands
    }

    /// Lays out the diff pane for the current snapshot, focus and folds.
    fn refresh_diff(&mut self) {
        let snapshot = self.snapshot.clone();
        if let Some(screen) = &mut self.screen
            && screen.tab == Tab::Diff
            && let Some(app) = snapshot.app(&screen.name)
        {
            screen.diff.refresh(
                snapshot.generation,
                app,
                screen.focus.as_deref(),
                screen.preview,
            );
        }
    }

    fn dispatch(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Snapshot(snapshot) => {
                self.snapshot = snapshot;
                self.refilter();
                Vec::new()
            }
            Msg::Notice(notice) => {
                self.status = Some(notice);
                Vec::new()
            }
            Msg::Resize { height, .. } => {
                self.height = height;
                Vec::new()
            }
            Msg::Key(key) => self.key(key),
            Msg::Mouse(event) => self.mouse(event),
        }
    }

    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Command> {
        // Ctrl-C quits from anywhere, even a modal or the command line.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if let Some(modal) = &mut self.modal {
            return match modal.key(&key) {
                Outcome::Stay => Vec::new(),
                Outcome::Close => {
                    self.modal = None;
                    Vec::new()
                }
                Outcome::Replace(next) => {
                    self.modal = Some(next);
                    Vec::new()
                }
                Outcome::Send(command) => {
                    self.modal = None;
                    vec![command]
                }
                Outcome::Choose(index) => {
                    self.choose(index);
                    Vec::new()
                }
                Outcome::Quit => {
                    self.quit = true;
                    Vec::new()
                }
            };
        }
        if self.input.is_some() {
            return self.input_key(key);
        }
        match self.keymap.action(self.context(), &key) {
            Some(action) => self.act(action),
            None => Vec::new(),
        }
    }

    fn input_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(input) = &mut self.input else {
            return Vec::new();
        };
        let text = match input {
            Input::Filter(t) | Input::Search(t) | Input::Command(t) => t,
        };
        match key.code {
            KeyCode::Esc => {
                if matches!(input, Input::Filter(_)) {
                    self.list.filter.clear();
                    self.refilter();
                }
                self.input = None;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            KeyCode::Tab => {
                if let Input::Command(line) = input {
                    *line = command_line::complete(line, &self.snapshot);
                }
            }
            KeyCode::Enter => {
                let input = self.input.take();
                return match input {
                    Some(Input::Command(line)) => command_line::run(self, &line),
                    Some(Input::Search(term)) => {
                        if let Some(screen) = &mut self.screen {
                            screen.diff.search = term;
                            screen.diff.jump_match(true);
                        }
                        Vec::new()
                    }
                    _ => Vec::new(),
                };
            }
            _ => {}
        }
        if let Some(Input::Filter(text)) = &self.input {
            self.list.filter = text.clone();
            self.refilter();
        }
        Vec::new()
    }

    pub fn refuse_readonly(&mut self) -> bool {
        if self.readonly {
            self.warn("read-only: plumb was started with --readonly");
        }
        self.readonly
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.status = Some(Notice {
            app: None,
            level: NoticeLevel::Warning,
            message: message.into(),
        });
    }

    pub fn act(&mut self, action: Action) -> Vec<Command> {
        if action.is_mutation() && self.refuse_readonly() {
            return Vec::new();
        }
        let current = self.current().cloned();
        match action {
            Action::Quit => self.ask_quit(),
            Action::Help => self.modal = Some(Modal::Help { scroll: 0 }),
            Action::CommandLine => self.input = Some(Input::Command(String::new())),
            Action::Filter if self.screen.is_some() => {
                self.input = Some(Input::Search(String::new()))
            }
            Action::Filter => self.input = Some(Input::Filter(self.list.filter.clone())),
            Action::Back => self.back(),
            Action::Open => {
                if let Some(app) = current {
                    self.open(&app.name);
                }
            }
            Action::Refresh => {
                return vec![Command::Refresh {
                    app: current.map(|a| a.name.clone()),
                    hard: false,
                }];
            }
            Action::HardRefresh => {
                return vec![Command::Refresh {
                    app: current.map(|a| a.name.clone()),
                    hard: true,
                }];
            }
            Action::Sync => {
                if let Some(app) = current {
                    self.open_sync(&app);
                }
            }
            Action::Rollback => {
                if let Some(app) = current {
                    self.open_rollback(&app);
                }
            }
            Action::Terminate => match current {
                Some(app) if app.operation.is_some() => {
                    self.modal = Some(Modal::Confirm {
                        prompt: format!("Terminate the running operation on {}?", app.name),
                        command: Command::Terminate {
                            app: app.name.clone(),
                        },
                    })
                }
                Some(app) => self.warn(format!("{}: no operation is running", app.name)),
                None => {}
            },
            Action::Freeze => match current {
                Some(app) if app.freeze.is_some() => {
                    return vec![Command::Unfreeze {
                        app: Some(app.name.clone()),
                    }];
                }
                Some(app) => {
                    self.modal = Some(Modal::Freeze {
                        app: app.name.clone(),
                        reason: String::new(),
                    })
                }
                None => {}
            },
            Action::AutoSync => {
                if let Some(app) = current {
                    return vec![Command::SetAutoSync {
                        app: app.name.clone(),
                        auto_sync: Some(!app.auto_sync),
                        self_heal: None,
                    }];
                }
            }
            Action::SortName | Action::SortSync | Action::SortHealth => {
                self.list.sort = match action {
                    Action::SortSync => SortKey::Sync,
                    Action::SortHealth => SortKey::Health,
                    _ => SortKey::Name,
                };
                self.refilter();
            }
            Action::Parent => {
                if let Some(app) = current {
                    self.parent(&app);
                }
            }
            Action::HistoryDiff => return self.history_diff(),
            Action::Mark => self.mark(),
            Action::ClearMarks => self.clear_marks(),
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => self.motion(action),
            Action::NextTab
            | Action::PrevTab
            | Action::Expand
            | Action::Collapse
            | Action::NextHunk
            | Action::PrevHunk
            | Action::ToggleContext
            | Action::ToggleSection => self.app_action(action),
        }
        Vec::new()
    }

    pub fn open(&mut self, name: &str) {
        if self.snapshot.app(name).is_none() {
            self.warn(format!("no app named '{name}'"));
            return;
        }
        let mut tree = TreeState::default();
        let first = self
            .snapshot
            .app(name)
            .and_then(|a| a.comparison.as_ref())
            .and_then(|c| c.tree.first())
            .map(|n| super::tree_select::node_tag(&n.id));
        if let Some(first) = first {
            tree.select(vec![first]);
        }
        self.screen = Some(AppScreen {
            name: name.to_owned(),
            tab: Tab::Tree,
            tree,
            focus: None,
            diff: DiffState::default(),
            history_selected: 0,
            scroll: 0,
            tree_rows: None,
            marked: BTreeSet::new(),
            preview: None,
        });
    }

    fn back(&mut self) {
        match &mut self.screen {
            Some(screen) if screen.preview.is_some() && screen.tab == Tab::Diff => {
                screen.preview = None;
                screen.tab = Tab::History;
            }
            Some(screen) if screen.focus.is_some() => screen.focus = None,
            Some(_) => self.screen = None,
            None => {
                if !self.list.filter.is_empty() || !self.list.facets.is_empty() {
                    self.list.filter.clear();
                    self.list.facets.clear();
                    self.refilter();
                }
            }
        }
    }
}
