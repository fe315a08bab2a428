//! Desired state from Git: repositories, revisions and history, and rendering
//! of an application's path into Kubernetes objects.

use crate::model::Object;

/// One desired object, with the repository-relative file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedObject {
    pub object: Object,
    pub source_file: String,
}

pub mod cache;
pub mod demo;
pub mod discovery;
pub mod git;
pub mod render;
pub mod safe_path;
pub mod workspace;
