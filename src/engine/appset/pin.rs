//! `applicationsSync` mapped onto plumb, which never writes Application
//! objects: "the Application as created" is the generated spec recorded at
//! the app's first operation. When the policy forbids updates, the app keeps
//! that recorded spec whatever the template now generates.
//!
//! `preserveResourcesOnDeletion` needs nothing here: plumb never deletes an
//! app's resources when the app stops being generated (there is no cascade),
//! so they always stay in the cluster.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::AppSetOrigin;
use crate::model::Application;

/// The generated Application as recorded in the app's stored state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedRecord {
    pub appset: String,
    pub app: Application,
    pub at: Timestamp,
}

/// The recorded spec an app keeps instead of the generated one, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept<'a> {
    pub app: &'a Application,
    pub warning: String,
}

/// The recorded spec when the policy forbids updates and the template now
/// generates something else; `None`: the generated app stands.
pub fn select<'a>(
    generated: &Application,
    origin: &AppSetOrigin,
    record: Option<&'a GeneratedRecord>,
) -> Option<Kept<'a>> {
    let record = record?;
    if origin.applications_sync.allows_update() || record.app == *generated {
        return None;
    }
    Some(Kept {
        app: &record.app,
        warning: format!(
            "ApplicationSet {} (applicationsSync: {}): the template changed; the app keeps the spec it was created with ({})",
            origin.appset,
            origin.applications_sync.as_str(),
            record.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        ),
    })
}

/// The record to store when an operation begins: the generated spec when
/// none is stored yet, or when the policy lets updates through and it
/// changed; `None` to keep what is stored.
pub fn record_to_store(
    generated: &Application,
    origin: &AppSetOrigin,
    stored: Option<&GeneratedRecord>,
    now: Timestamp,
) -> Option<GeneratedRecord> {
    let keep = stored.is_some_and(|record| {
        !origin.applications_sync.allows_update() || record.app == *generated
    });
    (!keep).then(|| GeneratedRecord {
        appset: origin.appset.clone(),
        app: generated.clone(),
        at: now,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::appset::ApplicationsSync;

    fn app(path: &str) -> Application {
        serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "web-dev"},
            "spec": {"source": {"repoURL": "https://git.example/r", "path": path}},
        }))
        .expect("valid application")
    }

    fn origin(policy: ApplicationsSync) -> AppSetOrigin {
        AppSetOrigin {
            appset: "web".into(),
            generator: "list".into(),
            params: json!({}),
            applications_sync: policy,
            preserve_resources_on_deletion: false,
        }
    }

    fn record(path: &str) -> GeneratedRecord {
        GeneratedRecord {
            appset: "web".into(),
            app: app(path),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn policies_without_update_keep_the_recorded_spec() {
        let stored = record("apps/v1");
        for policy in [ApplicationsSync::CreateOnly, ApplicationsSync::CreateDelete] {
            let kept = select(&app("apps/v2"), &origin(policy), Some(&stored));
            let kept = kept.expect("the recorded spec is kept");
            assert_eq!(*kept.app, app("apps/v1"), "{policy:?}");
            let warning = kept.warning;
            assert!(warning.contains("ApplicationSet web"), "{warning}");
            assert!(warning.contains(policy.as_str()), "{warning}");
        }
    }

    #[test]
    fn policies_with_update_take_the_generated_spec() {
        let stored = record("apps/v1");
        for policy in [ApplicationsSync::Sync, ApplicationsSync::CreateUpdate] {
            let kept = select(&app("apps/v2"), &origin(policy), Some(&stored));
            assert_eq!(kept, None, "{policy:?}");
        }
    }

    #[test]
    fn an_unchanged_template_or_no_record_warns_of_nothing() {
        let create_only = origin(ApplicationsSync::CreateOnly);
        let stored = record("apps/v1");
        assert_eq!(select(&app("apps/v1"), &create_only, Some(&stored)), None);
        assert_eq!(select(&app("apps/v2"), &create_only, None), None);
    }

    #[test]
    fn the_first_operation_records_and_only_updating_policies_refresh() {
        let now = Timestamp::UNIX_EPOCH;
        let create_only = origin(ApplicationsSync::CreateOnly);
        let first = record_to_store(&app("apps/v1"), &create_only, None, now);
        assert_eq!(first.map(|r| r.app), Some(app("apps/v1")));
        let stored = record("apps/v1");
        assert_eq!(
            record_to_store(&app("apps/v2"), &create_only, Some(&stored), now),
            None
        );
        let sync = origin(ApplicationsSync::Sync);
        let refreshed = record_to_store(&app("apps/v2"), &sync, Some(&stored), now);
        assert_eq!(refreshed.map(|r| r.app), Some(app("apps/v2")));
        assert_eq!(
            record_to_store(&app("apps/v1"), &sync, Some(&stored), now),
            None
        );
    }
}
