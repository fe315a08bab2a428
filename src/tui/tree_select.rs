//! The resource tree widget keys its nodes by a hash of their node ids:
//! the widget copies every key of every open node on each frame, and a
//! number copies far cheaper than a `group/kind/namespace/name` string.
//! The hash is stable across snapshots, so the open nodes and the
//! selection survive them.

use std::hash::{DefaultHasher, Hash, Hasher};

use tui_tree_widget::TreeState;

use crate::engine::snapshot::AppView;
use crate::engine::tree::TreeNode;

/// The tree widget's key for a node id.
pub fn node_tag(id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// The node id of the selected tree node.
pub fn selected_node_id(state: &TreeState<u64>, view: Option<&AppView>) -> Option<String> {
    let tag = *state.selected().last()?;
    let roots = view?.comparison.as_ref()?.tree.as_slice();
    find(roots, tag).map(|node| node.id.clone())
}

fn find(nodes: &[TreeNode], tag: u64) -> Option<&TreeNode> {
    nodes.iter().find_map(|node| {
        if node_tag(&node.id) == tag {
            Some(node)
        } else {
            find(&node.children, tag)
        }
    })
}
