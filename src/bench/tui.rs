//! `plumb bench tui`: time to first frame and frame times of the console
//! on a TestBackend, with a generated fleet and one app with a large
//! resource tree (all expanded). Targets: first frame under 100 ms, p99
//! frame under 4 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Serialize;
use serde_json::json;

use super::BenchError;
use crate::engine::compare::{AppComparison, SyncStatus};
use crate::engine::health::Health;
use crate::engine::snapshot::{AppView, Snapshot};
use crate::engine::tree::{TreeNode, node_id};
use crate::model::{Application, ResourceKey};
use crate::tui::app::{App, Msg};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;
use crate::tui::tree_select::node_tag;
use crate::tui::views;

pub const FIRST_FRAME_TARGET_MS: f64 = 100.0;
pub const P99_FRAME_TARGET_MS: f64 = 4.0;

#[derive(Debug, Clone)]
pub struct TuiBench {
    pub apps: usize,
    pub tree_nodes: usize,
    /// Frames measured in each of the list and the tree.
    pub frames: usize,
    pub width: u16,
    pub height: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct TuiReport {
    pub apps: usize,
    pub tree_nodes: usize,
    pub frames: usize,
    pub first_frame_ms: f64,
    pub list_p50_ms: f64,
    pub list_p99_ms: f64,
    pub tree_p50_ms: f64,
    pub tree_p99_ms: f64,
    pub first_frame_target_ms: f64,
    pub p99_target_ms: f64,
}

impl TuiBench {
    pub fn run(&self) -> Result<TuiReport, BenchError> {
        let snapshot = Arc::new(fleet(self.apps.max(1), self.tree_nodes.max(1))?);
        // A TestBackend cannot fail (its error type is uninhabited).
        let Ok(mut terminal) = Terminal::new(TestBackend::new(self.width, self.height));

        let started = Instant::now();
        let mut app = App::new(
            snapshot,
            Keymap::default(),
            Theme::colour_blind_safe(),
            false,
            &[],
        );
        app.update(Msg::Resize {
            width: self.width,
            height: self.height,
        });
        let Ok(_) = terminal.draw(|f| views::draw(f, &mut app));
        let first_frame = started.elapsed();

        let down = Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
        let mut frame = |app: &mut App, msg: &Msg| {
            let started = Instant::now();
            app.update(msg.clone());
            let Ok(_) = terminal.draw(|f| views::draw(f, app));
            started.elapsed()
        };
        let mut list = Vec::with_capacity(self.frames);
        for _ in 0..self.frames {
            list.push(frame(&mut app, &down));
        }
        app.open(BIG_APP);
        if let Some(screen) = &mut app.screen {
            for root in 0..roots(self.tree_nodes) {
                screen
                    .tree
                    .open(vec![node_tag(&format!("apps/Deployment/big/web-{root}"))]);
            }
        }
        let mut tree = Vec::with_capacity(self.frames);
        for _ in 0..self.frames {
            tree.push(frame(&mut app, &down));
        }
        let (list_p50, list_p99) = percentiles(list);
        let (tree_p50, tree_p99) = percentiles(tree);
        Ok(TuiReport {
            apps: self.apps,
            tree_nodes: self.tree_nodes,
            frames: self.frames,
            first_frame_ms: ms(first_frame),
            list_p50_ms: list_p50,
            list_p99_ms: list_p99,
            tree_p50_ms: tree_p50,
            tree_p99_ms: tree_p99,
            first_frame_target_ms: FIRST_FRAME_TARGET_MS,
            p99_target_ms: P99_FRAME_TARGET_MS,
        })
    }
}

const BIG_APP: &str = "app-00000";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 * q).ceil() as usize).saturating_sub(1);
        samples.get(index).copied().map_or(0.0, ms)
    };
    (at(0.50), at(0.99))
}

/// Roots of the big tree: each a Deployment with pods under it.
fn roots(nodes: usize) -> usize {
    nodes.div_ceil(50)
}

fn fleet(apps: usize, tree_nodes: usize) -> Result<Snapshot, BenchError> {
    let views = (0..apps)
        .map(|i| {
            let name = format!("app-{i:05}");
            let app: Application = serde_json::from_value(json!({
                "metadata": {"name": name},
                "spec": {"project": format!("team-{}", i % 17),
                         "destination": {"name": "in-cluster", "namespace": name}}
            }))
            .map_err(|e| BenchError::Generate(e.to_string()))?;
            let tree = if i == 0 {
                big_tree(tree_nodes)
            } else {
                Vec::new()
            };
            let sync = if i % 7 == 0 {
                SyncStatus::OutOfSync
            } else {
                SyncStatus::Synced
            };
            Ok(Arc::new(AppView {
                name: name.clone(),
                app: Arc::new(app),
                file: format!("apps/{name}.yaml"),
                parent: None,
                appset: None,
                cluster: "in-cluster".into(),
                comparison: Some(Arc::new(AppComparison {
                    app: name,
                    sync,
                    health: Health::healthy(),
                    revisions: vec!["0123456789abcdef0123456789abcdef01234567".into()],
                    conditions: Vec::new(),
                    resources: Vec::new(),
                    orphaned: Vec::new(),
                    tree,
                    namespace_live: true,
                    pending_hooks: Vec::new(),
                })),
                operation: None,
                operation_here: false,
                last_operation: None,
                history: Vec::new(),
                commits: Vec::new(),
                auto_sync: i % 2 == 0,
                self_heal: i % 4 == 0,
                freeze: None,
                auto_sync_paused: None,
                timeline: Vec::new(),
                compared_at: None,
                preview: None,
            }))
        })
        .collect::<Result<Vec<_>, BenchError>>()?;
    Ok(Snapshot {
        generation: 1,
        apps: views,
        ..Default::default()
    })
}

fn big_tree(nodes: usize) -> Vec<TreeNode> {
    let node = |key: ResourceKey, children| TreeNode {
        id: node_id(&key),
        key,
        status: Some(SyncStatus::Synced),
        health: Some(Health::healthy()),
        children,
    };
    (0..roots(nodes))
        .map(|r| {
            let pods = (0..49)
                .map(|p| {
                    node(
                        ResourceKey::new("", "Pod", "big", &format!("web-{r}-{p}")),
                        Vec::new(),
                    )
                })
                .collect();
            node(
                ResourceKey::new("apps", "Deployment", "big", &format!("web-{r}")),
                pods,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_tree_has_the_requested_size() {
        let total: usize = big_tree(5_000).iter().map(|n| n.walk().len()).sum();
        assert_eq!(total, 5_000);
    }

    #[test]
    fn report_counts_what_it_measured() {
        let bench = TuiBench {
            apps: 30,
            tree_nodes: 100,
            frames: 5,
            width: 80,
            height: 20,
        };
        let report = bench.run().unwrap();
        assert_eq!(
            (report.apps, report.tree_nodes, report.frames),
            (30, 100, 5)
        );
        assert!(report.list_p50_ms <= report.list_p99_ms);
    }

    #[test]
    fn percentiles_pick_ranks() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentiles(samples), (50.0, 99.0));
    }
}
