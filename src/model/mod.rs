//! Argo CD-compatible types: Application, AppProject, ApplicationSet, and the
//! plain-object helpers the engine uses for rendered and live Kubernetes objects.

mod application;
mod appset;
mod load;
mod object;
mod project;

pub use application::*;
pub use appset::*;
pub use load::*;
pub use object::*;
pub use project::*;
