//! One application: breadcrumb, status line, running operation, tabs and
//! the selected pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

use super::list::{health_style, sync_style};
use super::{operation, panes};
use crate::engine::snapshot::AppView;
use crate::tui::app::{App, Tab};
use crate::tui::fleet;
use crate::tui::theme::Role;
use crate::tui::tree_select::selected_node_id;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let Some(name) = app.screen.as_ref().map(|s| s.name.clone()) else {
        return;
    };
    let snapshot = app.snapshot.clone();
    let Some(view) = snapshot.app(&name) else {
        frame.render_widget(
            Paragraph::new(format!("{name} is no longer in the catalog (Esc: back)")),
            area,
        );
        return;
    };
    let progress = view
        .operation
        .as_ref()
        .map(|op| operation::progress_lines(&app.theme, op))
        .unwrap_or_default();
    // The header gives the pane at least half the height.
    let operation_height = (progress.len() as u16).min(area.height / 2);
    let [crumb, status, operation, tabs, pane] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(operation_height),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let theme = &app.theme;
    frame.render_widget(Paragraph::new(breadcrumb(app, view)), crumb);
    frame.render_widget(Paragraph::new(status_line(app, view)), status);
    frame.render_widget(Paragraph::new(progress), operation);
    let Some(screen) = &mut app.screen else {
        return;
    };
    let selected = Tab::ALL.iter().position(|t| *t == screen.tab).unwrap_or(0);
    let tab_titles: Vec<Line> = Tab::ALL
        .iter()
        .map(|t| match (t, &screen.focus) {
            (Tab::Diff, _) if screen.preview.is_some() => Line::from(format!(
                "Diff: #{} → live",
                screen.preview.unwrap_or_default()
            )),
            (Tab::Diff, Some(focus)) => Line::from(format!("Diff: {}", short_id(focus))),
            (Tab::Tree, _) if !screen.marked.is_empty() => {
                Line::from(format!("Tree ({} marked)", screen.marked.len()))
            }
            _ => Line::from(t.title()),
        })
        .collect();
    frame.render_widget(
        Tabs::new(tab_titles)
            .select(selected)
            .highlight_style(theme.style(Role::Selected)),
        tabs,
    );
    match screen.tab {
        Tab::Tree => {
            let generation = app.snapshot.generation;
            let rows = match &mut screen.tree_rows {
                Some((built, rows)) if *built == generation => rows,
                slot => {
                    let rows = panes::tree_rows(theme, view, &screen.marked);
                    &mut slot.insert((generation, rows)).1
                }
            };
            panes::tree(frame, pane, theme, view, rows, &mut screen.tree)
        }
        Tab::Diff => panes::diff(frame, pane, theme, &screen.diff),
        Tab::History => panes::history(frame, pane, theme, view, &mut screen.history_selected),
        Tab::Events => panes::events(frame, pane, theme, view, &mut screen.scroll),
        Tab::Manifests => {
            let focus = screen
                .focus
                .clone()
                .or_else(|| selected_node_id(&screen.tree, Some(view)));
            panes::manifests(
                frame,
                pane,
                theme,
                view,
                focus.as_deref(),
                &mut screen.scroll,
            )
        }
    }
}

fn short_id(id: &str) -> &str {
    // group/kind/namespace/name → kind/namespace/name
    id.split_once('/').map_or(id, |(_, rest)| rest)
}

/// `ApplicationSet fleet ▸ root ▸ parent ▸ app`: the app-of-apps chain,
/// led by the ApplicationSet that generated its first member.
fn breadcrumb(app: &App, view: &AppView) -> Line<'static> {
    let theme = &app.theme;
    let mut chain = vec![view.name.clone()];
    let mut appset = fleet::appset_name(view).map(str::to_owned);
    let mut parent = view.parent.clone();
    while let Some(name) = parent {
        if chain.contains(&name) {
            break;
        }
        let parent_view = app.snapshot.app(&name);
        parent = parent_view.and_then(|a| a.parent.clone());
        if let Some(set) = parent_view.and_then(|a| fleet::appset_name(a)) {
            appset = Some(set.to_owned());
        }
        chain.push(name);
    }
    chain.reverse();
    let mut spans = Vec::new();
    if let Some(appset) = appset {
        spans.push(Span::styled(
            format!("ApplicationSet {appset} ▸ "),
            theme.style(Role::Muted),
        ));
    }
    spans.push(Span::styled(chain.join(" ▸ "), theme.style(Role::Title)));
    if app.is_production(view) {
        spans.push(Span::styled("  PRODUCTION", theme.style(Role::Warn)));
    }
    Line::from(spans)
}

fn status_line(app: &App, view: &AppView) -> Line<'static> {
    let theme = &app.theme;
    let sync = fleet::sync_of(view);
    let mut spans = vec![
        Span::styled(sync, sync_style(theme, sync)),
        Span::raw("  "),
        Span::styled(
            fleet::health_text(view),
            health_style(theme, fleet::health_of(view)),
        ),
        Span::styled(
            format!(
                "  {}  {}  {}",
                fleet::flags(view),
                fleet::revision(view),
                fleet::destination(view)
            ),
            theme.style(Role::Muted),
        ),
    ];
    if let Some(freeze) = &view.freeze {
        spans.push(Span::styled(
            format!("  ❄ frozen by {}: {}", freeze.by, freeze.reason),
            theme.style(Role::Warn),
        ));
    }
    if let Some(why) = &view.auto_sync_paused {
        spans.push(Span::styled(
            format!("  auto-sync paused: {why}"),
            theme.style(Role::Warn),
        ));
    }
    for condition in view.comparison.iter().flat_map(|c| &c.conditions) {
        spans.push(Span::styled(
            format!("  ⚠ {}", condition.message),
            theme.style(Role::Warn),
        ));
    }
    Line::from(spans)
}
