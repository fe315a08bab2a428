//! Lua health scripts shipped in the binary, as Argo CD ships its
//! `resource_customizations`. They run with all standard libraries.

/// The bundled script for an exact group/kind.
pub(super) fn script_for(group: &str, kind: &str) -> Option<&'static str> {
    match (group, kind) {
        ("argoproj.io", "Rollout") => Some(include_str!("scripts/rollout.lua")),
        ("batch", "CronJob") => Some(include_str!("scripts/cronjob.lua")),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            Some(include_str!("scripts/crd.lua"))
        }
        _ => None,
    }
}
