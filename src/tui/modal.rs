//! Modal dialogs: their state and how they answer keys. A modal returns
//! what should happen next; only confirmation sends a [`Command`].

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::engine::snapshot::{Command, SyncCommand};
use crate::engine::sync::Plan;

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Help {
        scroll: usize,
    },
    Sync(SyncModal),
    Rollback(RollbackModal),
    Freeze {
        app: String,
        reason: String,
    },
    Confirm {
        prompt: String,
        command: Command,
    },
    /// Production guard: the app name must be typed before `command` is sent.
    Guard {
        app: String,
        typed: String,
        command: Command,
    },
    /// Quitting would stop operations this process runs.
    Quit {
        apps: Vec<String>,
    },
    /// `:ctx`: the known clusters; choosing one shows only its apps.
    Contexts {
        selected: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncModal {
    pub app: String,
    pub options: SyncCommand,
    pub production: bool,
    /// The plan for `options` at snapshot generation `.0` (the app
    /// refreshes it when either changes).
    pub plan: Option<(u64, SyncCommand, Result<Plan, String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RollbackModal {
    pub app: String,
    /// History ids that can be rolled back to, newest first.
    pub ids: Vec<i64>,
    pub selected: usize,
    pub disable_auto_sync: bool,
    pub prune: bool,
    pub dry_run: bool,
    pub production: bool,
    /// The history id a preview was last asked for.
    pub previewed: Option<i64>,
}

/// What a key did to a modal.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Stay,
    Close,
    Send(Command),
    Replace(Modal),
    /// An entry of a list modal was chosen; the app knows what it means.
    Choose(usize),
    Quit,
}

impl Modal {
    pub fn key(&mut self, key: &KeyEvent) -> Outcome {
        if key.code == KeyCode::Esc {
            return Outcome::Close;
        }
        match self {
            Modal::Help { scroll } => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    *scroll += 1;
                    Outcome::Stay
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    *scroll = scroll.saturating_sub(1);
                    Outcome::Stay
                }
                _ => Outcome::Close,
            },
            Modal::Sync(sync) => sync.key(key),
            Modal::Contexts { selected } => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    *selected += 1;
                    Outcome::Stay
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    *selected = selected.saturating_sub(1);
                    Outcome::Stay
                }
                KeyCode::Enter => Outcome::Choose(*selected),
                _ => Outcome::Stay,
            },
            Modal::Rollback(rollback) => rollback.key(key),
            Modal::Freeze { app, reason } => match key.code {
                KeyCode::Enter if !reason.trim().is_empty() => Outcome::Send(Command::Freeze {
                    app: Some(app.clone()),
                    reason: reason.trim().to_owned(),
                }),
                KeyCode::Backspace => {
                    reason.pop();
                    Outcome::Stay
                }
                KeyCode::Char(c) => {
                    reason.push(c);
                    Outcome::Stay
                }
                _ => Outcome::Stay,
            },
            Modal::Quit { .. } => match key.code {
                KeyCode::Enter | KeyCode::Char('y') => Outcome::Quit,
                KeyCode::Char('n') => Outcome::Close,
                _ => Outcome::Stay,
            },
            Modal::Confirm { command, .. } => match key.code {
                KeyCode::Enter | KeyCode::Char('y') => Outcome::Send(command.clone()),
                KeyCode::Char('n') => Outcome::Close,
                _ => Outcome::Stay,
            },
            Modal::Guard {
                app,
                typed,
                command,
            } => match key.code {
                KeyCode::Enter if typed == app => Outcome::Send(command.clone()),
                KeyCode::Backspace => {
                    typed.pop();
                    Outcome::Stay
                }
                KeyCode::Char(c) => {
                    typed.push(c);
                    Outcome::Stay
                }
                _ => Outcome::Stay,
            },
        }
    }
}

fn guarded(production: bool, app: &str, command: Command) -> Outcome {
    if production {
        Outcome::Replace(Modal::Guard {
            app: app.to_owned(),
            typed: String::new(),
            command,
        })
    } else {
        Outcome::Send(command)
    }
}

impl SyncModal {
    fn key(&mut self, key: &KeyEvent) -> Outcome {
        let o = &mut self.options;
        match key.code {
            KeyCode::Char('p') => o.prune = !o.prune,
            KeyCode::Char('d') => o.dry_run = !o.dry_run,
            KeyCode::Char('f') => o.force = !o.force,
            KeyCode::Char('o') => o.apply_out_of_sync_only = !o.apply_out_of_sync_only,
            // Nothing can be planned (not compared yet): nothing to send.
            KeyCode::Enter | KeyCode::Char('y') if matches!(self.plan, Some((_, _, Err(_)))) => {}
            KeyCode::Enter | KeyCode::Char('y') => {
                let dry_run = o.dry_run;
                let command = Command::Sync {
                    app: self.app.clone(),
                    options: self.options.clone(),
                };
                // A dry run changes nothing, so it needs no guard.
                return guarded(self.production && !dry_run, &self.app, command);
            }
            _ => {}
        }
        Outcome::Stay
    }
}

impl RollbackModal {
    pub fn selected_id(&self) -> Option<i64> {
        self.ids.get(self.selected).copied()
    }

    fn key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.ids.len().saturating_sub(1));
            }
            KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('p') => self.prune = !self.prune,
            KeyCode::Char('d') => self.dry_run = !self.dry_run,
            KeyCode::Char('a') => self.disable_auto_sync = !self.disable_auto_sync,
            KeyCode::Enter | KeyCode::Char('y') => {
                let Some(id) = self.selected_id() else {
                    return Outcome::Stay;
                };
                let command = Command::Rollback {
                    app: self.app.clone(),
                    id: Some(id),
                    disable_auto_sync: self.disable_auto_sync,
                    prune: self.prune,
                    dry_run: self.dry_run,
                };
                return guarded(self.production && !self.dry_run, &self.app, command);
            }
            _ => {}
        }
        Outcome::Stay
    }
}
