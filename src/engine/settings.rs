//! The comparison settings from plumb's settings file: system-wide diff
//! settings and health customizations (from an `argocd-cm` file) and the
//! tracking method.

use std::path::{Path, PathBuf};

use super::diff::{DiffConfigError, SystemDiffSettings};
use super::health::{HealthConfig, HealthConfigError};
use super::tracking::TrackingMethod;
use crate::config::Settings;

#[derive(Debug, Clone, Default)]
pub struct CompareSettings {
    pub diff: SystemDiffSettings,
    pub health: HealthConfig,
    pub tracking: TrackingMethod,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings [argocd] cm_file {path}: {source}")]
    Diff {
        path: PathBuf,
        #[source]
        source: DiffConfigError,
    },
    #[error("settings [argocd] cm_file {path}: {source}")]
    Health {
        path: PathBuf,
        #[source]
        source: HealthConfigError,
    },
}

impl CompareSettings {
    /// Reads the `argocd-cm` file the settings name (relative paths from
    /// `config_dir`); without one, Argo CD's defaults.
    pub fn load(settings: &Settings, config_dir: &Path) -> Result<Self, SettingsError> {
        let mut loaded = CompareSettings {
            tracking: settings.argocd.tracking,
            ..CompareSettings::default()
        };
        if let Some(file) = &settings.argocd.cm_file {
            let path = config_dir.join(file);
            loaded.diff = SystemDiffSettings::from_argocd_cm_file(&path).map_err(|source| {
                SettingsError::Diff {
                    path: path.clone(),
                    source,
                }
            })?;
            loaded.health = HealthConfig::from_argocd_cm_file(&path)
                .map_err(|source| SettingsError::Health { path, source })?;
        }
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_argocd_cm_relative_to_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("argocd-cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n  resource.customizations.health.example.com_Widget: |\n    return {status = \"Degraded\", message = \"broken\"}\n",
        )
        .unwrap();
        let mut settings = Settings::default();
        settings.argocd.cm_file = Some("argocd-cm.yaml".into());
        settings.argocd.tracking = TrackingMethod::ArgoLabel;
        let loaded = CompareSettings::load(&settings, dir.path()).unwrap();
        assert_eq!(loaded.tracking, TrackingMethod::ArgoLabel);
        let widget = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
        let health = crate::engine::health::assess(&widget, &loaded.health).unwrap();
        assert_eq!(health.message, "broken");

        settings.argocd.cm_file = Some("missing.yaml".into());
        let err = CompareSettings::load(&settings, dir.path()).unwrap_err();
        assert!(err.to_string().contains("missing.yaml"), "{err}");
    }
}
