//! Hook classification for comparing (§2.2): hooks, `Skip` and ignored
//! objects get no sync status and stay out of app health.

use serde_json::Value;

use crate::engine::sync::{Classification, classify};

/// How compare treats an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Resource,
    Hook,
    /// `argocd.argoproj.io/hook: Skip` alone: never applied, no status.
    Skip,
    /// A hook with no usable type (`hook: Foo`, Helm `test-success`).
    Ignored,
}

/// The role of an object in a comparison, from the one hook classification
/// the sync uses too.
pub fn role(object: &Value) -> Role {
    match classify(object) {
        Classification::Resource => Role::Resource,
        Classification::Hook(_) | Classification::DeletionHook => Role::Hook,
        Classification::Skip => Role::Skip,
        Classification::Ignore => Role::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
    const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";

    fn annotated(key: &str, value: &str) -> Value {
        json!({"kind": "Job", "metadata": {"name": "j", "annotations": {key: value}}})
    }

    #[test]
    fn classifies_as_argo_does() {
        assert_eq!(role(&json!({"kind": "Job"})), Role::Resource);
        assert_eq!(role(&annotated(HOOK_ANNOTATION, "PreSync")), Role::Hook);
        assert_eq!(role(&annotated(HOOK_ANNOTATION, "Skip")), Role::Skip);
        assert_eq!(
            role(&annotated(HOOK_ANNOTATION, "Skip,PreSync")),
            Role::Hook
        );
        assert_eq!(role(&annotated(HOOK_ANNOTATION, "Foo")), Role::Ignored);
        assert_eq!(
            role(&annotated(HELM_HOOK_ANNOTATION, "test-success")),
            Role::Ignored
        );
        assert_eq!(
            role(&annotated(HELM_HOOK_ANNOTATION, "crd-install")),
            Role::Resource
        );
        assert_eq!(
            role(&annotated(HELM_HOOK_ANNOTATION, "post-install")),
            Role::Hook
        );
    }
}
