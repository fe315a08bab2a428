//! One finding about a manifest, printed as a single line that starts with the file.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Repository-relative path of the file.
    pub file: String,
    pub line: Option<usize>,
    /// The object, e.g. `Application payments`.
    pub object: Option<String>,
    /// Field path, e.g. `spec.source.helm.valueFiles`.
    pub field: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, message)
    }

    pub fn warning(file: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, message)
    }

    fn new(severity: Severity, file: &str, message: impl Into<String>) -> Self {
        Self {
            severity,
            file: file.to_owned(),
            line: None,
            object: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn for_object(mut self, object: Option<String>) -> Self {
        self.object = object;
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.field = (!field.is_empty()).then_some(field);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `apps/payments.yaml:12: Application payments: spec.destination: is required`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(object) = &self.object {
            write!(f, ": {object}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        // One line, whatever the message (render errors can span lines).
        write!(f, ": {}", self.message.trim().replace('\n', " | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_object_and_field() {
        let d = Diagnostic::error("apps/payments.yaml", "is required")
            .at_line(Some(12))
            .for_object(Some("Application payments".into()))
            .at_field("spec.destination");
        assert_eq!(
            d.to_string(),
            "apps/payments.yaml:12: Application payments: spec.destination: is required"
        );
        let bare = Diagnostic::warning("a.yaml", "helm failed:\nline one\nline two\n");
        assert_eq!(
            bare.to_string(),
            "a.yaml: helm failed: | line one | line two"
        );
    }
}
