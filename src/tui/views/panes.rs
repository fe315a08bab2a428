//! The app view's panes: resource tree, diff, history, events, manifests.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::list::{health_style, op_style, sync_style};
use crate::engine::diff::mask_secrets;
use crate::engine::snapshot::{AppView, TimelineSource};
use crate::engine::tree::{TreeNode, node_id};
use crate::tui::diff_pane::{DiffState, LineKind};
use crate::tui::theme::{Role, Theme};
use crate::tui::tree_select::node_tag;

pub fn tree(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    view: &AppView,
    items: &[TreeItem<'static, u64>],
    state: &mut TreeState<u64>,
) {
    if view.comparison.is_none() {
        frame.render_widget(Paragraph::new("Not compared yet."), area);
        return;
    }
    if state.selected().is_empty() {
        state.select_first();
    }
    match Tree::new(items) {
        Ok(widget) => {
            let widget = widget.highlight_style(theme.style(Role::Selected));
            frame.render_stateful_widget(widget, area, state);
        }
        Err(e) => frame.render_widget(Paragraph::new(format!("tree: {e}")), area),
    }
}

/// The tree widget's rows for an app's resource tree; `marked` node ids
/// (a selective sync) carry a mark.
pub fn tree_rows(
    theme: &Theme,
    view: &AppView,
    marked: &BTreeSet<String>,
) -> Vec<TreeItem<'static, u64>> {
    view.comparison
        .iter()
        .flat_map(|c| &c.tree)
        .map(|n| tree_item(theme, n, marked))
        .collect()
}

fn tree_item(theme: &Theme, node: &TreeNode, marked: &BTreeSet<String>) -> TreeItem<'static, u64> {
    let mut spans = Vec::new();
    if marked.contains(&node.id) {
        spans.push(Span::styled("● ", theme.style(Role::Key)));
    }
    spans.push(Span::raw(format!("{} {}", node.key.kind, node.key.name)));
    if let Some(status) = node.status {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            status.as_str(),
            sync_style(theme, status.as_str()),
        ));
    }
    if let Some(health) = &node.health {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            health.status.as_str(),
            health_style(theme, Some(health.status)),
        ));
        if !health.message.is_empty() {
            spans.push(Span::styled(
                format!("  {}", health.message),
                theme.style(Role::Muted),
            ));
        }
    }
    let children: Vec<TreeItem<u64>> = node
        .children
        .iter()
        .map(|c| tree_item(theme, c, marked))
        .collect();
    let text = Line::from(spans);
    let leaf = || TreeItem::new_leaf(node_tag(&node.id), text.clone());
    if children.is_empty() {
        leaf()
    } else {
        // Sibling ids are unique by construction; fall back to a leaf if not.
        TreeItem::new(node_tag(&node.id), text.clone(), children).unwrap_or_else(|_| leaf())
    }
}

pub fn diff(frame: &mut Frame, area: Rect, theme: &Theme, state: &DiffState) {
    let height = usize::from(area.height);
    let top = state.scroll.saturating_sub(height / 3);
    let needle = state.search.to_lowercase();
    let lines: Vec<Line> = state
        .lines
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, l)| {
            let mut style = match l.kind {
                LineKind::Section => theme.style(Role::Header),
                LineKind::Hunk => theme.style(Role::HunkHeader),
                LineKind::Added => theme.style(Role::Added),
                LineKind::Removed => theme.style(Role::Removed),
                LineKind::Blame => theme.style(Role::Blame),
                LineKind::Note => theme.style(Role::Muted),
                LineKind::Context => Style::new(),
            };
            if !needle.is_empty() && l.text.to_lowercase().contains(&needle) {
                style = style.patch(theme.style(Role::Match));
            }
            if i == state.scroll {
                style = style.patch(theme.style(Role::Selected));
            }
            Line::styled(l.text.clone(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn history(frame: &mut Frame, area: Rect, theme: &Theme, view: &AppView, selected: &mut usize) {
    if view.history.is_empty() {
        frame.render_widget(Paragraph::new("No sync history yet."), area);
        return;
    }
    *selected = (*selected).min(view.history.len() - 1);
    let mut lines = Vec::new();
    for (i, entry) in view.history.iter().rev().enumerate() {
        let commit = view
            .commits
            .iter()
            .find(|c| !entry.revision.is_empty() && c.sha.starts_with(&entry.revision));
        let revision: String = entry.revision.chars().take(7).collect();
        let duration = entry.deployed_at.duration_since(entry.deploy_started_at);
        let initiator = if entry.initiated_by.automated {
            "automated".to_owned()
        } else {
            entry.initiated_by.username.clone()
        };
        let mut spans = vec![
            Span::raw(format!("#{:<3} {revision:<8} ", entry.id)),
            Span::styled(
                format!("{:<10}", entry.result.as_str()),
                op_style(theme, entry.result.as_str()),
            ),
            Span::raw(format!(
                " {:>4}s  {}  {initiator}",
                duration.as_secs(),
                entry.deployed_at.strftime("%Y-%m-%d %H:%M")
            )),
        ];
        if let Some(commit) = commit {
            spans.push(Span::styled(
                format!("  {} — {}", commit.author_name, commit.subject),
                theme.style(Role::Muted),
            ));
        }
        let line = Line::from(spans);
        lines.push(if i == *selected {
            line.style(theme.style(Role::Selected))
        } else {
            line
        });
    }
    let top = selected.saturating_sub(usize::from(area.height).saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((top as u16, 0)), area);
}

pub fn events(frame: &mut Frame, area: Rect, theme: &Theme, view: &AppView, scroll: &mut usize) {
    if view.timeline.is_empty() {
        frame.render_widget(Paragraph::new("No events."), area);
        return;
    }
    *scroll = (*scroll).min(view.timeline.len() - 1);
    let lines: Vec<Line> = view
        .timeline
        .iter()
        .map(|e| {
            let source = match e.source {
                TimelineSource::Kubernetes => "k8s",
                TimelineSource::Plumb => "plumb",
            };
            let role = if e.kind == "Warning" {
                Role::Warn
            } else {
                Role::Muted
            };
            let object = e
                .object
                .as_ref()
                .map(|k| format!(" {}/{}", k.kind, k.name))
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(
                    format!("{} {source:<5} ", e.at.strftime("%H:%M:%S")),
                    theme.style(Role::Muted),
                ),
                Span::styled(format!("{:<8}", e.kind), theme.style(role)),
                Span::raw(format!(" {}{object}: {}", e.reason, e.message)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).scroll((*scroll as u16, 0)), area);
}

pub fn manifests(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    view: &AppView,
    focus: Option<&str>,
    scroll: &mut usize,
) {
    let resource = view.comparison.as_ref().and_then(|c| {
        c.resources
            .iter()
            .find(|r| focus.is_some_and(|f| f == node_id(&r.key)))
    });
    let Some(resource) = resource else {
        frame.render_widget(
            Paragraph::new("Select a resource in the Tree pane to see its manifests."),
            area,
        );
        return;
    };
    let (desired, live) = match &resource.diff {
        Some(diff) => {
            let shown = diff.masked();
            (shown.normalized_desired, shown.normalized_live)
        }
        None => {
            let mut desired = resource.desired.clone();
            let mut live = resource.live.as_deref().cloned();
            mask_secrets(&mut desired, &mut live);
            (desired, live)
        }
    };
    let mut lines = Vec::new();
    for (title, object) in [("desired (Git)", desired), ("live (cluster)", live)] {
        lines.push(Line::styled(
            format!("── {title}"),
            theme.style(Role::Header),
        ));
        match object {
            Some(object) => lines.extend(
                serde_yaml::to_string(&object)
                    .unwrap_or_else(|e| format!("cannot show as YAML: {e}"))
                    .lines()
                    .map(|l| Line::raw(l.to_owned())),
            ),
            None => lines.push(Line::styled("  (none)", theme.style(Role::Muted))),
        }
    }
    *scroll = (*scroll).min(lines.len().saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((*scroll as u16, 0)), area);
}
