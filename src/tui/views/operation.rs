//! Operations on screen: the sync modal's plan per wave, the rollback
//! modal with its preview, and a running operation's progress.

use std::sync::Arc;

use ratatui::text::{Line, Span};

use super::list::op_style;
use super::modals::footer;
use crate::engine::compare::SyncStatus;
use crate::engine::snapshot::{AppView, OperationView};
use crate::engine::sync::{PlanAction, PlanGroup};
use crate::tui::modal::{RollbackModal, SyncModal};
use crate::tui::plan::{self, WaveProgress};
use crate::tui::theme::{Role, Theme};

/// Changed items listed per wave before the rest are counted.
const ITEMS_PER_WAVE: usize = 6;

fn toggle(theme: &Theme, key: char, label: &str, on: bool) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!("[{key}] "), theme.style(Role::Key)),
        Span::raw(format!("{} {label}   ", if on { "☑" } else { "☐" })),
    ]
}

pub fn sync_lines(theme: &Theme, sync: &SyncModal) -> Vec<Line<'static>> {
    let o = &sync.options;
    let mut title = format!("Sync {}", sync.app);
    if !o.resources.is_empty() {
        title.push_str(&format!(
            " — selective: {} marked resource{}",
            o.resources.len(),
            if o.resources.len() == 1 { "" } else { "s" }
        ));
    }
    let mut lines = vec![Line::styled(title, theme.style(Role::Header))];
    match sync.plan.as_ref().map(|(_, _, plan)| plan) {
        None => lines.push(Line::styled("  planning…", theme.style(Role::Muted))),
        Some(Err(e)) => lines.push(Line::styled(format!("  {e}"), theme.style(Role::Bad))),
        Some(Ok(plan)) => {
            if plan.groups.is_empty() {
                lines.push(Line::styled("  nothing to apply", theme.style(Role::Muted)));
            }
            for group in &plan.groups {
                group_lines(theme, group, &mut lines);
            }
            lines.push(Line::styled(
                plan.summary().to_string(),
                theme.style(Role::Title),
            ));
            if plan.hooks_skipped {
                lines.push(Line::styled(
                    "hooks are skipped (selective sync)",
                    theme.style(Role::Muted),
                ));
            }
        }
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
    if sync.production && !o.dry_run {
        lines.push(Line::styled(
            "Production: you will type the app name to confirm.",
            theme.style(Role::Warn),
        ));
    }
    let can_sync = !matches!(sync.plan, Some((_, _, Err(_))));
    lines.push(footer(
        theme,
        if can_sync {
            "y/enter sync · esc cancel"
        } else {
            "esc close"
        },
    ));
    lines
}

/// One phase and wave: its changes listed, unchanged resources counted.
fn group_lines(theme: &Theme, group: &PlanGroup, lines: &mut Vec<Line<'static>>) {
    let header = format!("{} wave {}", group.phase.as_str(), group.wave);
    let mut quiet = 0;
    let mut listed = 0;
    let mut hidden = 0;
    let mut items = Vec::new();
    for item in &group.items {
        let (sign, label, role) = match &item.action {
            PlanAction::Create => ("+", "create".to_owned(), Role::Added),
            PlanAction::Update => ("~", "update".to_owned(), Role::Busy),
            PlanAction::Prune => ("-", "prune".to_owned(), Role::Removed),
            PlanAction::PruneNeedsConfirmation => {
                ("-", "prune (needs approval)".to_owned(), Role::Warn)
            }
            PlanAction::PruneSkipped(why) => ("·", format!("kept: {why}"), Role::Muted),
            PlanAction::Hook => ("»", "hook".to_owned(), Role::Key),
            PlanAction::Invalid(why) => ("✗", format!("not permitted: {why}"), Role::Bad),
            PlanAction::Unchanged | PlanAction::Skip => {
                quiet += 1;
                continue;
            }
        };
        if listed == ITEMS_PER_WAVE {
            hidden += 1;
            continue;
        }
        listed += 1;
        items.push(Line::from(vec![
            Span::styled(format!("    {sign} {label:<8} "), theme.style(role)),
            Span::raw(format!("{}/{}", item.key.kind, item.key.name)),
        ]));
    }
    let mut counts = Vec::new();
    if quiet > 0 {
        counts.push(format!("{quiet} unchanged"));
    }
    if hidden > 0 {
        counts.push(format!("{hidden} more"));
    }
    let suffix = if counts.is_empty() {
        String::new()
    } else {
        format!("  ({})", counts.join(", "))
    };
    lines.push(Line::styled(
        format!("  {header}{suffix}"),
        theme.style(Role::Header),
    ));
    lines.extend(items);
}

pub fn rollback_lines(
    theme: &Theme,
    rollback: &RollbackModal,
    view: Option<&Arc<AppView>>,
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
                    .find(|c| !entry.revision.is_empty() && c.sha.starts_with(&entry.revision))
            })
            .map(|c| format!(" — {}: {}", c.author_name, c.subject))
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
    lines.push(preview_line(theme, rollback, view));
    let mut toggles = toggle(theme, 'p', "prune", rollback.prune);
    toggles.extend(toggle(theme, 'd', "dry run", rollback.dry_run));
    lines.push(Line::from(toggles));
    if view.is_some_and(|v| v.auto_sync) {
        lines.push(Line::from(toggle(
            theme,
            'a',
            "disable auto-sync as part of rollback",
            rollback.disable_auto_sync,
        )));
        if !rollback.disable_auto_sync {
            lines.push(Line::styled(
                "Auto-sync would undo the rollback: the engine refuses it.",
                theme.style(Role::Warn),
            ));
        }
    }
    if rollback.production && !rollback.dry_run {
        lines.push(Line::styled(
            "Production: you will type the app name to confirm.",
            theme.style(Role::Warn),
        ));
    }
    lines.push(footer(theme, "j/k choose · y/enter roll back · esc cancel"));
    lines
}

/// What rolling back to the chosen entry would change, once the engine
/// has answered the preview request.
fn preview_line(
    theme: &Theme,
    rollback: &RollbackModal,
    view: Option<&Arc<AppView>>,
) -> Line<'static> {
    let id = rollback.selected_id();
    let preview = view
        .and_then(|v| v.preview.as_ref())
        .filter(|p| Some(p.id) == id);
    let Some(preview) = preview else {
        return Line::styled("Preview: asking the engine…", theme.style(Role::Muted));
    };
    match &preview.comparison {
        Err(e) => Line::styled(
            format!("Preview: cannot render #{}: {e}", preview.id),
            theme.style(Role::Bad),
        ),
        Ok(comparison) => {
            let changed: Vec<String> = comparison
                .resources
                .iter()
                .filter(|r| r.status == Some(SyncStatus::OutOfSync))
                .map(|r| format!("{}/{}", r.key.kind, r.key.name))
                .collect();
            if changed.is_empty() {
                return Line::styled(
                    "Preview: live already matches this entry.",
                    theme.style(Role::Good),
                );
            }
            let shown: Vec<&str> = changed.iter().take(3).map(String::as_str).collect();
            let more = changed.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Line::styled(
                format!(
                    "Preview: changes {} resource{}: {}{more}",
                    changed.len(),
                    if changed.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                ),
                theme.style(Role::Busy),
            )
        }
    }
}

/// A running operation: phase, holder and one line per wave.
pub fn progress_lines(theme: &Theme, op: &OperationView) -> Vec<Line<'static>> {
    let (done, total) = plan::counts(op);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} ", op.phase.as_str()),
            op_style(theme, op.phase.as_str()),
        ),
        Span::raw(format!("{done}/{total} by {} ", op.holder)),
        Span::styled(op.message.clone(), theme.style(Role::Muted)),
    ])];
    for wave in plan::progress(op) {
        lines.push(wave_line(theme, &wave));
    }
    lines
}

fn wave_line(theme: &Theme, wave: &WaveProgress) -> Line<'static> {
    let (mark, role) = if wave.failed > 0 {
        ("✗", Role::Bad)
    } else if wave.done() {
        ("✓", Role::Good)
    } else if wave.running > 0 {
        ("▶", Role::Busy)
    } else {
        ("·", Role::Muted)
    };
    let mut spans = vec![
        Span::styled(format!("  {mark} "), theme.style(role)),
        Span::raw(format!(
            "{:<8} wave {:>3}: {}/{}",
            wave.phase.as_str(),
            wave.wave,
            wave.succeeded + wave.failed,
            wave.total
        )),
    ];
    if wave.running > 0 {
        spans.push(Span::styled(
            format!("  {} running", wave.running),
            theme.style(Role::Busy),
        ));
    }
    if let Some(first) = wave.failures.first() {
        spans.push(Span::styled(format!("  {first}"), theme.style(Role::Bad)));
    }
    Line::from(spans)
}
