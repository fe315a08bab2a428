//! Modal dialogs drawn over the current view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{centred, operation};
use crate::tui::app::App;
use crate::tui::command_line::COMMANDS;
use crate::tui::fleet::FacetField;
use crate::tui::keymap::{Context, Group};
use crate::tui::modal::Modal;
use crate::tui::theme::{Role, Theme};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(modal) = &app.modal else {
        return;
    };
    let theme = &app.theme;
    let (title, lines, scroll) = match modal {
        Modal::Help { scroll } => ("Help", help(app), *scroll),
        Modal::Sync(sync) => ("Sync", operation::sync_lines(theme, sync), 0),
        Modal::Rollback(rollback) => (
            "Rollback",
            operation::rollback_lines(theme, rollback, app.snapshot.app(&rollback.app)),
            0,
        ),
        Modal::Contexts { selected } => ("Clusters", contexts(app, *selected), 0),
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
        Modal::Quit { apps } => (
            "Quit",
            vec![
                Line::styled(
                    format!(
                        "You started an operation here that is still running on {}.",
                        apps.join(", ")
                    ),
                    theme.style(Role::Warn),
                ),
                Line::raw(
                    "Quitting stops it mid-way; its lock expires and the next start shows it as interrupted.",
                ),
                Line::raw(""),
                footer(theme, "y/enter quit · n/esc stay"),
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
    let width = (area.width * 4 / 5).max(40).min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = (u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2))
        .min(area.height)
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

pub(super) fn footer(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(text.to_owned(), theme.style(Role::Muted))
}

/// `:ctx`: every cluster, the one the list is restricted to ticked.
fn contexts(app: &App, selected: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let current = app
        .list
        .facets
        .iter()
        .find(|f| f.field == FacetField::Cluster)
        .map(|f| f.value.as_str());
    let mut entries = vec![("all clusters".to_owned(), current.is_none(), None)];
    for c in &app.snapshot.clusters {
        let sandbox = if c.is_sandbox { "  (sandbox)" } else { "" };
        entries.push((
            format!("{}  {}{sandbox}", c.name, c.server),
            current == Some(c.name.as_str()),
            c.error.clone(),
        ));
    }
    let mut lines = Vec::new();
    for (i, (text, active, error)) in entries.into_iter().enumerate() {
        let mark = if active { "✓" } else { " " };
        let mut spans = vec![Span::raw(format!("{mark} {text}"))];
        if let Some(error) = error {
            spans.push(Span::styled(
                format!("  unreachable: {error}"),
                theme.style(Role::Bad),
            ));
        }
        let line = Line::from(spans);
        lines.push(if i == selected {
            line.style(theme.style(Role::Selected))
        } else {
            line
        });
    }
    if app.snapshot.clusters.is_empty() {
        lines.push(Line::styled(
            "  no clusters known yet",
            theme.style(Role::Muted),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(footer(
        theme,
        "j/k choose · enter list its apps · esc close",
    ));
    lines
}

fn help(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for context in [Context::List, Context::App, Context::History] {
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
                // The history pane adds to the app view's keys.
                .filter(|b| context != Context::History || b.context == context)
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
