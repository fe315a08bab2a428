//! Hook classification (§2.1–2.2), delete policies (§2.5) and the names of
//! hooks that only set `metadata.generateName` (§2.3).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::annotation;

pub const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
pub const HOOK_DELETE_POLICY_ANNOTATION: &str = "argocd.argoproj.io/hook-delete-policy";
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HELM_HOOK_DELETE_POLICY_ANNOTATION: &str = "helm.sh/hook-delete-policy";

/// The engine's sync phases, in execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SyncPhase {
    PreSync,
    Sync,
    PostSync,
    SyncFail,
}

impl SyncPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::PreSync => "PreSync",
            SyncPhase::Sync => "Sync",
            SyncPhase::PostSync => "PostSync",
            SyncPhase::SyncFail => "SyncFail",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookDeletePolicy {
    HookSucceeded,
    HookFailed,
    BeforeHookCreation,
}

/// What the sync does with one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    /// A normal resource: one task in the Sync phase.
    Resource,
    /// A hook: one task per phase.
    Hook(Vec<SyncPhase>),
    /// `hook: Skip`: never applied, no sync status, no health.
    Skip,
    /// A hook with no usable type (`hook: Foo`, Helm `test-success`): dropped.
    Ignore,
    /// Only PreDelete/PostDelete: handled by app deletion, not by a sync.
    DeletionHook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HookType {
    Phase(SyncPhase),
    Skip,
    PreDelete,
    PostDelete,
}

fn argo_types(obj: &Value) -> Option<Vec<HookType>> {
    let text = annotation(obj, HOOK_ANNOTATION)?;
    let mut types = Vec::new();
    for part in text.split(',').map(str::trim) {
        let parsed = match part {
            "PreSync" => HookType::Phase(SyncPhase::PreSync),
            "Sync" => HookType::Phase(SyncPhase::Sync),
            "PostSync" => HookType::Phase(SyncPhase::PostSync),
            "SyncFail" => HookType::Phase(SyncPhase::SyncFail),
            "Skip" => HookType::Skip,
            "PreDelete" => HookType::PreDelete,
            "PostDelete" => HookType::PostDelete,
            _ => continue,
        };
        if !types.contains(&parsed) {
            types.push(parsed);
        }
    }
    Some(types)
}

fn helm_types(obj: &Value) -> Vec<HookType> {
    let mut types = Vec::new();
    let Some(text) = annotation(obj, HELM_HOOK_ANNOTATION) else {
        return types;
    };
    for part in text.split(',').map(str::trim) {
        let parsed = match part {
            "pre-install" | "pre-upgrade" => HookType::Phase(SyncPhase::PreSync),
            "post-install" | "post-upgrade" => HookType::Phase(SyncPhase::PostSync),
            "pre-delete" => HookType::PreDelete,
            "post-delete" => HookType::PostDelete,
            _ => continue,
        };
        if !types.contains(&parsed) {
            types.push(parsed);
        }
    }
    types
}

/// Classifies a manifest as Argo CD does: Argo hook types win over Helm's
/// when at least one is valid; `Skip` alone skips; a hook without a usable
/// type is ignored.
pub fn classify(obj: &Value) -> Classification {
    let argo = argo_types(obj);
    let types = match &argo {
        Some(types) if !types.is_empty() => types.clone(),
        _ => helm_types(obj),
    };
    let skip = types == [HookType::Skip];
    let is_hook = match &argo {
        Some(_) => !skip,
        None => annotation(obj, HELM_HOOK_ANNOTATION).is_some_and(|h| h.trim() != "crd-install"),
    };
    if !is_hook {
        return if skip {
            Classification::Skip
        } else {
            Classification::Resource
        };
    }
    if types.is_empty() {
        return Classification::Ignore;
    }
    let phases: Vec<SyncPhase> = types
        .iter()
        .filter_map(|t| match t {
            HookType::Phase(p) => Some(*p),
            _ => None,
        })
        .collect();
    if phases.is_empty() {
        if types
            .iter()
            .any(|t| matches!(t, HookType::PreDelete | HookType::PostDelete))
        {
            return Classification::DeletionHook;
        }
        return Classification::Ignore;
    }
    Classification::Hook(phases)
}

/// The union of Argo and Helm delete policies; `BeforeHookCreation` when none.
pub fn delete_policies(obj: &Value) -> Vec<HookDeletePolicy> {
    let mut policies = Vec::new();
    let mut add = |p: HookDeletePolicy| {
        if !policies.contains(&p) {
            policies.push(p);
        }
    };
    if let Some(text) = annotation(obj, HOOK_DELETE_POLICY_ANNOTATION) {
        for part in text.split(',').map(str::trim) {
            match part {
                "HookSucceeded" => add(HookDeletePolicy::HookSucceeded),
                "HookFailed" => add(HookDeletePolicy::HookFailed),
                "BeforeHookCreation" => add(HookDeletePolicy::BeforeHookCreation),
                _ => {}
            }
        }
    }
    if let Some(text) = annotation(obj, HELM_HOOK_DELETE_POLICY_ANNOTATION) {
        for part in text.split(',').map(str::trim) {
            match part {
                "hook-succeeded" => add(HookDeletePolicy::HookSucceeded),
                "hook-failed" => add(HookDeletePolicy::HookFailed),
                "before-hook-creation" => add(HookDeletePolicy::BeforeHookCreation),
                _ => {}
            }
        }
    }
    if policies.is_empty() {
        policies.push(HookDeletePolicy::BeforeHookCreation);
    }
    policies
}

/// The name of a hook that only has `generateName`:
/// `generateName + lowercase(<rev>-<phase>-<startedAtUnix>)`, where `<rev>` is
/// the first 7 characters of a revision of 8 or more characters.
pub fn generated_hook_name(
    generate_name: &str,
    revision: &str,
    phase: SyncPhase,
    started_at: Timestamp,
) -> String {
    let rev: String = if revision.chars().count() >= 8 {
        revision.chars().take(7).collect()
    } else {
        revision.to_owned()
    };
    let postfix = format!("{rev}-{}-{}", phase.as_str(), started_at.as_second());
    format!("{generate_name}{}", postfix.to_lowercase())
}
