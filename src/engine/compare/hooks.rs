//! Hook classification for comparing (§2.2): hooks, `Skip` and ignored
//! objects get no sync status and stay out of app health.

use serde_json::Value;

use crate::model::annotation;

const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
const ARGO_TYPES: [&str; 7] = [
    "PreSync",
    "Sync",
    "PostSync",
    "SyncFail",
    "Skip",
    "PreDelete",
    "PostDelete",
];
const HELM_TYPES: [&str; 4] = ["pre-install", "pre-upgrade", "post-install", "post-upgrade"];

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

pub fn role(object: &Value) -> Role {
    let helm: Option<Vec<&str>> = annotation(object, HELM_HOOK_ANNOTATION)
        .map(|types| types.split(',').map(str::trim).collect());
    let helm_usable = || {
        helm.as_ref()
            .is_some_and(|types| types.iter().any(|t| HELM_TYPES.contains(t)))
    };
    match annotation(object, HOOK_ANNOTATION) {
        Some(types) => {
            let argo: Vec<&str> = types
                .split(',')
                .map(str::trim)
                .filter(|t| ARGO_TYPES.contains(t))
                .collect();
            if argo.iter().all(|t| *t == "Skip") && !argo.is_empty() {
                Role::Skip
            } else if argo.is_empty() && !helm_usable() {
                Role::Ignored
            } else {
                Role::Hook
            }
        }
        None => match &helm {
            Some(types) if types.iter().any(|t| *t != "crd-install") => {
                if helm_usable() {
                    Role::Hook
                } else {
                    Role::Ignored
                }
            }
            _ => Role::Resource,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
