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

/// The app the loop and the CLI work on, and why it is not the generated one.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub app: Application,
    pub warning: Option<String>,
}

/// The recorded spec when the policy forbids updates and the template now
/// generates something else; otherwise the generated one.
pub fn select(
    generated: &Application,
    origin: &AppSetOrigin,
    record: Option<&GeneratedRecord>,
) -> Selection {
    match record {
        Some(record) if !origin.applications_sync.allows_update() && record.app != *generated => {
            Selection {
                app: record.app.clone(),
                warning: Some(format!(
                    "ApplicationSet {} (applicationsSync: {}): the template changed; the app keeps the spec it was created with ({})",
                    origin.appset,
                    origin.applications_sync.as_str(),
                    record.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                )),
            }
        }
        _ => Selection {
            app: generated.clone(),
            warning: None,
        },
    }
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
            let chosen = select(&app("apps/v2"), &origin(policy), Some(&stored));
            assert_eq!(chosen.app, app("apps/v1"), "{policy:?}");
            let warning = chosen.warning.expect("a warning");
            assert!(warning.contains("ApplicationSet web"), "{warning}");
            assert!(warning.contains(policy.as_str()), "{warning}");
        }
    }

    #[test]
    fn policies_with_update_take_the_generated_spec() {
        let stored = record("apps/v1");
        for policy in [ApplicationsSync::Sync, ApplicationsSync::CreateUpdate] {
            let chosen = select(&app("apps/v2"), &origin(policy), Some(&stored));
            assert_eq!(chosen.app, app("apps/v2"), "{policy:?}");
            assert_eq!(chosen.warning, None);
        }
    }

    #[test]
    fn an_unchanged_template_or_no_record_warns_of_nothing() {
        let create_only = origin(ApplicationsSync::CreateOnly);
        let same = select(&app("apps/v1"), &create_only, Some(&record("apps/v1")));
        assert_eq!((same.app, same.warning), (app("apps/v1"), None));
        let first = select(&app("apps/v2"), &create_only, None);
        assert_eq!((first.app, first.warning), (app("apps/v2"), None));
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
