//! Loading Argo CD manifests from YAML/JSON text: documents, typed decoding,
//! validation, and diagnostics that name the file, line, object and field.

mod diagnostic;
mod duration;
mod hints;
mod locate;
mod parse;
mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use duration::parse_go_duration;
pub use parse::{Manifest, manifest_from_object, parse_documents};
