//! Rendering: a function of the [`App`] state, one file per view or modal.

mod app_view;
mod list;
mod modals;
mod operation;
mod panes;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Input};
use super::theme::Role;
use crate::engine::snapshot::NoticeLevel;

pub fn draw(frame: &mut Frame, app: &mut App) {
    let [body, status, hints] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    if app.screen.is_some() {
        app_view::draw(frame, body, app);
    } else {
        list::draw(frame, body, app);
    }
    draw_status(frame, status, app);
    draw_hints(frame, hints, app);
    if app.modal.is_some() {
        modals::draw(frame, frame.area(), app);
    }
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let line = match &app.input {
        Some(Input::Command(text)) => Line::from(vec![
            Span::styled(":", theme.style(Role::Key)),
            Span::raw(text.clone()),
            Span::styled("█", theme.style(Role::Muted)),
        ]),
        Some(Input::Filter(text)) | Some(Input::Search(text)) => Line::from(vec![
            Span::styled("/", theme.style(Role::Key)),
            Span::raw(text.clone()),
            Span::styled("█", theme.style(Role::Muted)),
        ]),
        None => match &app.status {
            Some(notice) => {
                let role = match notice.level {
                    NoticeLevel::Info => Role::Muted,
                    NoticeLevel::Warning => Role::Warn,
                    NoticeLevel::Error => Role::Bad,
                };
                let prefix = notice
                    .app
                    .as_ref()
                    .map(|a| format!("{a}: "))
                    .unwrap_or_default();
                Line::styled(format!("{prefix}{}", notice.message), theme.style(role))
            }
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_hints(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if app.readonly {
        spans.push(Span::styled("[read-only] ", theme.style(Role::Warn)));
    }
    for (key, description) in app.keymap.hints(app.context(), app.readonly) {
        spans.push(Span::styled(format!("<{key}>"), theme.style(Role::Key)));
        spans.push(Span::styled(
            format!(" {description}  "),
            theme.style(Role::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A centred rectangle of at most `width` × `height` inside `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
