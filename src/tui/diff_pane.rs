//! The live diff pane's state: per-resource sections (unified text diffs of
//! the masked objects, with drift blame under each), folding, hunk jumps and
//! search. Text diffs are computed once per snapshot and context setting.

use std::collections::HashSet;
use std::time::Duration;

use super::keymap::Action;
use crate::engine::compare::{AppComparison, SyncStatus};
use crate::engine::diff::text_diff;
use crate::engine::snapshot::AppView;
use crate::engine::tree::node_id;

/// How long one resource's text diff may take before it is cut short.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);
const COMPACT_CONTEXT: usize = 3;
const FULL_CONTEXT: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Section,
    Hunk,
    Added,
    Removed,
    Context,
    Blame,
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
    /// The section (resource id) this line belongs to.
    pub section: usize,
}

#[derive(Debug, Clone)]
struct Section {
    id: String,
    title: String,
    unified: String,
    blame: Vec<String>,
    note: Option<String>,
}

#[derive(Debug, Default)]
pub struct DiffState {
    pub scroll: usize,
    pub full_context: bool,
    pub collapsed: HashSet<String>,
    pub search: String,
    pub lines: Vec<DiffLine>,
    sections: Vec<Section>,
    /// (generation, app, full context, preview) the sections were computed for.
    computed_for: Option<(u64, String, bool, Option<i64>)>,
    /// Why there is nothing to show (a preview not here yet or failed).
    empty: Option<String>,
}

impl DiffState {
    /// Recomputes sections if the snapshot, the context setting or the
    /// source changed, then lays out the lines for `focus` (a tree node id,
    /// or the whole app). With `preview`, the source is the app as history
    /// entry `preview` would make it, compared with the live state.
    pub fn refresh(
        &mut self,
        generation: u64,
        app: &AppView,
        focus: Option<&str>,
        preview: Option<i64>,
    ) {
        let key = (generation, app.name.clone(), self.full_context, preview);
        if self.computed_for.as_ref() != Some(&key) {
            let (sections, empty) = source(app, preview, self.full_context);
            self.sections = sections;
            self.empty = empty;
            self.computed_for = Some(key);
        }
        self.lines.clear();
        for (index, section) in self.sections.iter().enumerate() {
            if focus.is_some_and(|f| f != section.id) {
                continue;
            }
            let folded = self.collapsed.contains(&section.id);
            let marker = if folded { '▸' } else { '▾' };
            let line = |kind, text: String| DiffLine {
                kind,
                text,
                section: index,
            };
            self.lines.push(line(
                LineKind::Section,
                format!("{marker} {}", section.title),
            ));
            if folded {
                continue;
            }
            if let Some(note) = &section.note {
                self.lines.push(line(LineKind::Note, format!("  {note}")));
            }
            for text in section.unified.lines() {
                let kind = match text.chars().next() {
                    Some('@') => LineKind::Hunk,
                    Some('+') => LineKind::Added,
                    Some('-') => LineKind::Removed,
                    _ => LineKind::Context,
                };
                self.lines.push(line(kind, text.to_owned()));
            }
            for blame in &section.blame {
                self.lines
                    .push(line(LineKind::Blame, format!("  ↳ {blame}")));
            }
        }
        if self.lines.is_empty() {
            let text = self.empty.clone().unwrap_or_else(|| match preview {
                Some(id) => format!("No differences: live already matches #{id}."),
                None => "No differences: live matches Git.".to_owned(),
            });
            self.lines.push(DiffLine {
                kind: LineKind::Note,
                text,
                section: 0,
            });
        }
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
    }

    pub fn motion(&mut self, action: Action, page: usize) {
        let last = self.lines.len().saturating_sub(1);
        self.scroll = match action {
            Action::Up => self.scroll.saturating_sub(1),
            Action::Down => (self.scroll + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageDown => (self.scroll + page).min(last),
            _ => self.scroll.saturating_sub(page),
        };
    }

    /// `n` / `N`: the next search match when searching, else the next hunk
    /// or section header.
    pub fn jump(&mut self, forward: bool) {
        if !self.search.is_empty() {
            self.jump_match(forward);
            return;
        }
        self.jump_to(forward, |l| {
            matches!(l.kind, LineKind::Hunk | LineKind::Section)
        });
    }

    pub fn jump_match(&mut self, forward: bool) {
        let needle = self.search.to_lowercase();
        self.jump_to(forward, |l| l.text.to_lowercase().contains(&needle));
    }

    fn jump_to(&mut self, forward: bool, wanted: impl Fn(&DiffLine) -> bool) {
        let found = if forward {
            self.lines
                .iter()
                .enumerate()
                .skip(self.scroll + 1)
                .find(|(_, l)| wanted(l))
        } else {
            self.lines
                .iter()
                .enumerate()
                .take(self.scroll)
                .rev()
                .find(|(_, l)| wanted(l))
        };
        if let Some((i, _)) = found {
            self.scroll = i;
        }
    }

    /// Folds or unfolds the section under the cursor.
    pub fn toggle_section(&mut self) {
        let Some(line) = self.lines.get(self.scroll) else {
            return;
        };
        let Some(section) = self.sections.get(line.section) else {
            return;
        };
        let id = section.id.clone();
        if !self.collapsed.remove(&id) {
            self.collapsed.insert(id);
        }
        // Keep the cursor on the section header.
        let index = line.section;
        if let Some(header) = self
            .lines
            .iter()
            .position(|l| l.section == index && l.kind == LineKind::Section)
        {
            self.scroll = header;
        }
    }
}

/// The sections to show, or why there are none.
fn source(
    app: &AppView,
    preview: Option<i64>,
    full_context: bool,
) -> (Vec<Section>, Option<String>) {
    let Some(id) = preview else {
        let sections = app
            .comparison
            .as_ref()
            .map(|c| sections(c, full_context))
            .unwrap_or_default();
        return (sections, None);
    };
    match &app.preview {
        Some(p) if p.id == id => match &p.comparison {
            Ok(comparison) => {
                let mut sections = sections(comparison, full_context);
                let revision: String = p.revision.chars().take(7).collect();
                for section in &mut sections {
                    section.unified = section.unified.replacen(
                        "--- desired (Git)",
                        &format!("--- #{id} ({revision})"),
                        1,
                    );
                }
                (sections, None)
            }
            Err(e) => (Vec::new(), Some(format!("Cannot preview #{id}: {e}"))),
        },
        _ => (
            Vec::new(),
            Some(format!("Asking the engine for a preview of #{id}…")),
        ),
    }
}

fn sections(comparison: &AppComparison, full_context: bool) -> Vec<Section> {
    let context = if full_context {
        FULL_CONTEXT
    } else {
        COMPACT_CONTEXT
    };
    comparison
        .resources
        .iter()
        .filter(|r| {
            r.status == Some(SyncStatus::OutOfSync) || r.diff.as_ref().is_some_and(|d| d.modified)
        })
        .map(|r| {
            let k = &r.key;
            let group = if k.group.is_empty() { "" } else { "/" };
            let title = format!("{}{group}{} {}/{}", k.group, k.kind, k.namespace, k.name);
            let (unified, note) = match &r.diff {
                Some(diff) => {
                    let text = text_diff(&diff.masked(), DIFF_DEADLINE, context);
                    let note = text
                        .cut_short
                        .then(|| "(diff computation cut short; shown coarser)".to_owned());
                    (text.unified, note)
                }
                None if r.requires_pruning => {
                    (String::new(), Some("only live: will be pruned".to_owned()))
                }
                None => (String::new(), Some(r.message.clone())),
            };
            Section {
                id: node_id(k),
                title,
                unified,
                blame: r.blame.iter().map(|b| b.text.clone()).collect(),
                note,
            }
        })
        .collect()
}
