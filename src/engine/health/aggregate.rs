//! Application health from its managed resources (Argo CD's `setApplicationHealth`).

use serde_json::Value;

use super::{Health, HealthConfig, HealthStatus, assess, is_hook};
use crate::model::ResourceKey;
use crate::model::annotation;

const IGNORE_HEALTHCHECK_ANNOTATION: &str = "argocd.argoproj.io/ignore-healthcheck";
const MAX_LISTED: usize = 3;

/// What aggregation needs to know about one managed resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppResourceHealth {
    pub key: ResourceKey,
    /// Whether a live object exists.
    pub live_exists: bool,
    /// The live object's health (`None` when the kind has no health or it is absent).
    pub health: Option<Health>,
    /// The live object is a sync hook.
    pub is_hook: bool,
    /// The target is a `Skip` hook, or the live object is one Argo CD ignores.
    pub skipped: bool,
    /// The live object is annotated `argocd.argoproj.io/ignore-healthcheck: "true"`.
    pub ignore_healthcheck: bool,
    /// The live object is the Application itself (an app managing itself).
    pub is_self: bool,
}

impl AppResourceHealth {
    /// Fills hook and ignore-healthcheck flags and the health from the live
    /// object; the caller sets `skipped` and `is_self`.
    pub fn from_live(key: ResourceKey, live: Option<&Value>, config: &HealthConfig) -> Self {
        AppResourceHealth {
            key,
            live_exists: live.is_some(),
            health: live.and_then(|obj| assess(obj, config)),
            is_hook: live.is_some_and(is_hook),
            skipped: false,
            ignore_healthcheck: live
                .is_some_and(|obj| annotation(obj, IGNORE_HEALTHCHECK_ANNOTATION) == Some("true")),
            is_self: false,
        }
    }

    fn is_child_app(&self) -> bool {
        self.key.group == "argoproj.io" && self.key.kind == "Application"
    }
}

/// Per-resource health as shown in resource lists: Missing when there is no live object.
pub fn resource_health(live: Option<&Value>, config: &HealthConfig) -> Option<Health> {
    match live {
        None => Some(Health::new(HealthStatus::Missing, "")),
        Some(obj) => assess(obj, config),
    }
}

/// The app's health: the worst eligible resource health; Missing when every
/// eligible resource is absent live; Healthy with no eligible resources.
pub fn aggregate(resources: &[AppResourceHealth]) -> Health {
    let mut eligible = 0usize;
    let mut present = 0usize;
    let mut worst = HealthStatus::Healthy;
    let mut counted: Vec<(&ResourceKey, HealthStatus)> = Vec::new();
    let mut missing: Vec<&ResourceKey> = Vec::new();
    for res in resources {
        if res.skipped || res.is_hook || res.ignore_healthcheck || res.is_self {
            continue;
        }
        if !res.live_exists {
            eligible += 1;
            missing.push(&res.key);
            continue;
        }
        let Some(health) = &res.health else {
            continue;
        };
        if res.is_child_app()
            && matches!(health.status, HealthStatus::Missing | HealthStatus::Unknown)
        {
            continue;
        }
        eligible += 1;
        present += 1;
        worst = worst.max(health.status);
        counted.push((&res.key, health.status));
    }
    if eligible > 0 && present == 0 {
        return Health::new(HealthStatus::Missing, caused_by(&missing));
    }
    if worst == HealthStatus::Healthy {
        return Health::healthy();
    }
    let culprits: Vec<&ResourceKey> = counted
        .iter()
        .filter(|(_, status)| *status == worst)
        .map(|(key, _)| *key)
        .collect();
    Health::new(worst, caused_by(&culprits))
}

/// `Caused by <group/kind:ns/name>, ...` for up to three resources, then ` and N more`.
fn caused_by(keys: &[&ResourceKey]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = keys.iter().take(MAX_LISTED).map(|k| describe(k)).collect();
    let mut message = format!("Caused by {}", listed.join(", "));
    if keys.len() > MAX_LISTED {
        message.push_str(&format!(" and {} more", keys.len() - MAX_LISTED));
    }
    message
}

/// `group/kind:namespace/name`; the core group and cluster scope leave their part out.
fn describe(key: &ResourceKey) -> String {
    let group_kind = if key.group.is_empty() {
        key.kind.clone()
    } else {
        format!("{}/{}", key.group, key.kind)
    };
    if key.namespace.is_empty() {
        format!("{group_kind}:{}", key.name)
    } else {
        format!("{group_kind}:{}/{}", key.namespace, key.name)
    }
}
