//! Modal dialogs drawn over the current view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centred;
use crate::engine::compare::SyncStatus;
use crate::engine::snapshot::AppView;
use crate::tui::app::App;
use crate::tui::command_line::COMMANDS;
use crate::tui::keymap::{Context, Group};
use crate::tui::modal::{Modal, RollbackModal, SyncModal};
use crate::tui::theme::{Role, Theme};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(modal) = &app.modal else {
        return;
    };
    let theme = &app.theme;
    let (title, lines, scroll) = match modal {
        Modal::Help { scroll } => ("Help", help(app), *scroll),
        Modal::Sync(sync) => (
            "Sync",
            sync_lines(theme, sync, app.snapshot.app(&sync.app)),
            0,
        ),
        Modal::Rollback(rollback) => (
            "Rollback",
            rollback_lines(theme, rollback, app.snapshot.app(&rollback.app)),
            0,
        ),
        Modal::Freeze { app: name, reason } => (
            "Freeze",
            vec![
                Line::raw(format!("Freeze {name}: no sync will run until unfrozen.")),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("Reason: ", theme.style(Role::Header)),
                    Span::raw(format!("{reason}█")),
                ]),
                Line::raw(""),
                footer(theme, "enter freeze · esc cancel"),
            ],
            0,
        ),
        Modal::Confirm { prompt, .. } => (
            "Confirm",
            vec![
                Line::raw(prompt.clone()),
                Line::raw(""),
                footer(theme, "y/enter confirm · n/esc cancel"),
            ],
            0,
        ),
        Modal::Guard {
            app: name, typed, ..
        } => (
            "Production",
            vec![
                Line::styled(
                    format!("{name} deploys to a production destination."),
                    theme.style(Role::Warn),
                ),
                Line::raw("Type the app name to confirm:"),
                Line::raw(""),
                Line::raw(format!("> {typed}█")),
                Line::raw(""),
                footer(theme, "enter confirm (when the name matches) · esc cancel"),
            ],
            0,
        ),
    };
    let width = (area.width * 4 / 5).max(40);
    let height = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(5);
    let rect = centred(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Line::styled(format!(" {title} "), theme.style(Role::Title)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        rect,
    );
}

fn footer(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(text.to_owned(), theme.style(Role::Muted))
}

fn toggle(theme: &Theme, key: char, label: &str, on: bool) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!("[{key}] "), theme.style(Role::Key)),
        Span::raw(format!("{} {label}   ", if on { "☑" } else { "☐" })),
    ]
}

/// The plan as the current comparison predicts it, per wave.
fn sync_lines(
    theme: &Theme,
    sync: &SyncModal,
    view: Option<&std::sync::Arc<AppView>>,
) -> Vec<Line<'static>> {
    let o = &sync.options;
    let mut lines = vec![Line::styled(
        format!("Sync {}", sync.app),
        theme.style(Role::Header),
    )];
    let mut waves: std::collections::BTreeMap<(bool, i64), (usize, usize, usize)> =
        std::collections::BTreeMap::new();
    let resources = view
        .and_then(|v| v.comparison.as_ref())
        .map(|c| c.resources.as_slice())
        .unwrap_or(&[]);
    for r in resources {
        let wave = r
            .desired
            .as_ref()
            .and_then(|d| d.pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave"))
            .and_then(|w| w.as_str())
            .and_then(|w| w.trim().parse::<i64>().ok())
            .unwrap_or(0);
        let slot = waves.entry((r.hook, wave)).or_default();
        if r.requires_pruning {
            slot.2 += 1;
        } else if r.live.is_none() {
            slot.0 += 1;
        } else if r.status == Some(SyncStatus::OutOfSync) || !o.apply_out_of_sync_only {
            slot.1 += 1;
        }
    }
    if waves.is_empty() {
        lines.push(Line::styled(
            "  nothing compared yet",
            theme.style(Role::Muted),
        ));
    }
    for ((hook, wave), (create, update, prune)) in waves {
        let what = if hook { "hooks" } else { "wave" };
        let prune_text = if o.prune {
            format!("{prune} prune")
        } else {
            format!("{prune} prune (skipped: prune off)")
        };
        lines.push(Line::raw(format!(
            "  {what} {wave:>3}: {create} create · {update} update · {prune_text}"
        )));
    }
    lines.push(Line::raw(""));
    let mut toggles = toggle(theme, 'p', "prune", o.prune);
    toggles.extend(toggle(theme, 'd', "dry run", o.dry_run));
    lines.push(Line::from(toggles));
    let mut toggles = toggle(theme, 'f', "force", o.force);
    toggles.extend(toggle(
        theme,
        'o',
        "out-of-sync only",
        o.apply_out_of_sync_only,
    ));
    lines.push(Line::from(toggles));
    if sync.production {
        lines.push(Line::styled(
            "Production destination: you will be asked to type the app name.",
            theme.style(Role::Warn),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, "y/enter sync · esc cancel"));
    lines
}

fn rollback_lines(
    theme: &Theme,
    rollback: &RollbackModal,
    view: Option<&std::sync::Arc<AppView>>,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!("Roll {} back to:", rollback.app),
        theme.style(Role::Header),
    )];
    let history = view.map(|v| v.history.as_slice()).unwrap_or(&[]);
    for (i, id) in rollback.ids.iter().enumerate() {
        let Some(entry) = history.iter().find(|h| h.id == *id) else {
            continue;
        };
        let subject = view
            .and_then(|v| {
                v.commits
                    .iter()
                    .find(|c| c.sha.starts_with(&entry.revision))
            })
            .map(|c| format!(" — {}", c.subject))
            .unwrap_or_default();
        let revision: String = entry.revision.chars().take(7).collect();
        let text = format!(
            "  #{} {revision} {}{subject}",
            entry.id,
            entry.deployed_at.strftime("%Y-%m-%d %H:%M")
        );
        lines.push(if i == rollback.selected {
            Line::styled(text, theme.style(Role::Selected))
        } else {
            Line::raw(text)
        });
    }
    lines.push(Line::raw(""));
    let mut toggles = toggle(theme, 'p', "prune", rollback.prune);
    toggles.extend(toggle(theme, 'd', "dry run", rollback.dry_run));
    lines.push(Line::from(toggles));
    if view.is_some_and(|v| v.auto_sync) {
        lines.push(Line::from(toggle(
            theme,
            'a',
            "turn auto-sync off (it would undo the rollback)",
            rollback.disable_auto_sync,
        )));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, "j/k choose · y/enter roll back · esc cancel"));
    lines
}

fn help(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for context in [Context::List, Context::App] {
        lines.push(Line::styled(
            format!("── {} view", context.name()),
            theme.style(Role::Title),
        ));
        for group in [
            Group::General,
            Group::Navigation,
            Group::Operations,
            Group::View,
        ] {
            let bindings: Vec<Span> = app
                .keymap
                .visible(context, app.readonly)
                .into_iter()
                .filter(|b| b.group == group)
                .flat_map(|b| {
                    [
                        Span::styled(format!("{} ", b.chord), theme.style(Role::Key)),
                        Span::raw(format!("{}  ", b.description)),
                    ]
                })
                .collect();
            if bindings.is_empty() {
                continue;
            }
            let mut line = vec![Span::styled(
                format!("{:<11}", group.title()),
                theme.style(Role::Header),
            )];
            line.extend(bindings);
            lines.push(Line::from(line));
        }
    }
    lines.push(Line::styled("── commands", theme.style(Role::Title)));
    for (name, description) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!(":{name:<10}"), theme.style(Role::Key)),
            Span::raw(description.to_string()),
        ]));
    }
    lines
}
