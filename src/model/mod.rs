//! Argo CD-compatible types: Application, AppProject, ApplicationSet, and the
//! plain-object helpers the engine uses for rendered and live Kubernetes objects.

mod application;
mod appset;
mod object;
mod project;

pub use application::*;
pub use appset::*;
pub use object::*;
pub use project::*;
