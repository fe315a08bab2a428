//! The app list: summary line, facet bar and a table of the visible window
//! only (a fleet of 10,000 apps builds a screenful of rows per frame).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::engine::health::HealthStatus;
use crate::tui::app::App;
use crate::tui::fleet;
use crate::tui::theme::{Role, Theme};

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let [summary, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let theme = &app.theme;
    let mut spans = vec![Span::styled(
        app.list.summary.clone(),
        theme.style(Role::Title),
    )];
    if app.snapshot.loading {
        spans.push(Span::styled("  loading…", theme.style(Role::Busy)));
    }
    if let Some(freeze) = &app.snapshot.global_freeze {
        spans.push(Span::styled(
            format!("  ❄ fleet frozen: {}", freeze.reason),
            theme.style(Role::Warn),
        ));
    }
    if !app.list.filter.is_empty() {
        spans.push(Span::styled(
            format!("  /{}", app.list.filter),
            theme.style(Role::Key),
        ));
    }
    for facet in &app.list.facets {
        spans.push(Span::styled(
            format!("  {}={}", facet.field.name(), facet.value),
            theme.style(Role::Key),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), summary);

    let block = Block::new().borders(Borders::TOP).title(Line::styled(
        format!(" Applications ({}) ", app.list.rows.len()),
        theme.style(Role::Header),
    ));
    let inner_height = usize::from(table_area.height.saturating_sub(2)).max(1);
    let selected = app.list.selected;
    let offset = selected.saturating_sub(inner_height - 1);
    let wide = table_area.width >= 100;
    // Below the block's top border and the header row.
    app.list.drawn = crate::tui::mouse::DrawnRows {
        top: table_area.y + 2,
        offset,
        count: app.list.rows.len().saturating_sub(offset).min(inner_height),
    };
    let rows: Vec<Row> = app
        .list
        .rows
        .iter()
        .skip(offset)
        .take(inner_height)
        .enumerate()
        .map(|(i, &index)| {
            let view = &app.snapshot.apps[index];
            let mut cells = vec![
                Cell::from(view.name.clone()),
                Cell::from(fleet::sync_of(view)).style(sync_style(theme, fleet::sync_of(view))),
                Cell::from(fleet::health_text(view))
                    .style(health_style(theme, fleet::health_of(view))),
                Cell::from(fleet::last_op_progress(view))
                    .style(op_style(theme, fleet::last_op(view))),
                Cell::from(fleet::flags(view)),
            ];
            if wide {
                cells.insert(1, Cell::from(fleet::project(view).to_owned()));
                cells.push(Cell::from(fleet::revision(view)));
                cells.push(Cell::from(fleet::destination(view)));
            }
            let row = Row::new(cells);
            if offset + i == selected {
                row.style(theme.style(Role::Selected))
            } else {
                row
            }
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec![
                "NAME",
                "PROJECT",
                "SYNC",
                "HEALTH",
                "LAST OP",
                "FLAGS",
                "REVISION",
                "DESTINATION",
            ],
            vec![
                Constraint::Fill(2),
                Constraint::Length(12),
                Constraint::Length(10),
                Constraint::Length(12),
                Constraint::Length(15),
                Constraint::Length(5),
                Constraint::Length(10),
                Constraint::Fill(2),
            ],
        )
    } else {
        (
            vec!["NAME", "SYNC", "HEALTH", "LAST OP", "FLAGS"],
            vec![
                Constraint::Fill(1),
                Constraint::Length(10),
                Constraint::Length(12),
                Constraint::Length(12),
                Constraint::Length(5),
            ],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Role::Header)))
        .block(block);
    frame.render_widget(table, table_area);
}

pub fn sync_style(theme: &Theme, sync: &str) -> ratatui::style::Style {
    match sync {
        "Synced" => theme.style(Role::Good),
        "OutOfSync" => theme.style(Role::Bad),
        _ => theme.style(Role::Muted),
    }
}

pub fn health_style(theme: &Theme, health: Option<HealthStatus>) -> ratatui::style::Style {
    match health {
        Some(HealthStatus::Healthy) => theme.style(Role::Good),
        Some(HealthStatus::Degraded) | Some(HealthStatus::Missing) => theme.style(Role::Bad),
        Some(HealthStatus::Progressing) => theme.style(Role::Busy),
        Some(HealthStatus::Suspended) => theme.style(Role::Warn),
        _ => theme.style(Role::Muted),
    }
}

pub fn op_style(theme: &Theme, phase: &str) -> ratatui::style::Style {
    match phase {
        "Succeeded" => theme.style(Role::Good),
        "Failed" | "Error" => theme.style(Role::Bad),
        "Running" | "Terminating" => theme.style(Role::Busy),
        _ => theme.style(Role::Muted),
    }
}
