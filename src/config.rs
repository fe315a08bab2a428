//! Where plumb keeps things, and the settings file.
//!
//! Directories come from `directories` (XDG on Linux). `PLUMB_HOME` puts all
//! four under one folder instead, which is what tests and the demo use.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Settings, keymap and theme overrides.
    pub config_dir: PathBuf,
    /// Git clones, the sandbox state, the demo repository.
    pub data_dir: PathBuf,
    /// Rendered-manifest cache and exported checkouts.
    pub cache_dir: PathBuf,
    /// Logs.
    pub state_dir: PathBuf,
}

impl Paths {
    /// `PLUMB_HOME` when set, otherwise the platform's directories.
    pub fn discover() -> Result<Self, ConfigError> {
        if let Some(home) = std::env::var_os("PLUMB_HOME") {
            return Ok(Self::under(Path::new(&home)));
        }
        let dirs =
            directories::ProjectDirs::from("dev", "plumb", "plumb").ok_or(ConfigError::NoHome)?;
        Ok(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            cache_dir: dirs.cache_dir().to_path_buf(),
            state_dir: dirs
                .state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .to_path_buf(),
        })
    }

    /// All four directories under one root.
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            cache_dir: root.join("cache"),
            state_dir: root.join("state"),
        }
    }

    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("settings.toml")
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("no home directory found: set PLUMB_HOME")]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// The settings file (`settings.toml` in the config dir). Every key is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub source: SourceSettings,
    pub engine: EngineSettings,
    pub argocd: ArgocdSettings,
    pub tui: TuiSettings,
    /// Labels and annotations per cluster, by kubeconfig context name (or
    /// `in-cluster`), as the ApplicationSet cluster generator sees them.
    pub clusters: std::collections::BTreeMap<String, ClusterSettings>,
}

/// What an Argo CD cluster Secret would say about one cluster: its labels
/// and annotations, for cluster-generator selectors and parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterSettings {
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// The terminal console.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TuiSettings {
    /// Glob patterns over destination names, servers and namespaces; a match
    /// makes sync, rollback and prune ask for the app name first.
    pub production: Vec<String>,
    /// Capture the mouse: wheel scrolling, click to select (off by default,
    /// as in k9s: while on, the terminal's own text selection needs Shift).
    pub mouse: bool,
}

/// Compatibility with Argo CD: its `argocd-cm` settings and tracking.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ArgocdSettings {
    /// An `argocd-cm` ConfigMap file (diff and health customizations),
    /// relative to the config dir unless absolute.
    pub cm_file: Option<PathBuf>,
    /// `plumb`, `argocd-annotation`, `argocd-label` or `argocd-annotation+label`.
    pub tracking: crate::engine::tracking::TrackingMethod,
}

/// The root holding the Application / AppProject / ApplicationSet manifests.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceSettings {
    /// A repository URL or a local path.
    pub repo: Option<String>,
    /// Branch, tag, commit SHA or HEAD.
    pub revision: Option<String>,
    /// The folder inside the repository holding the manifests.
    pub path: Option<String>,
    /// Repository URLs read from somewhere else (a local path or another URL),
    /// like git's `insteadOf`: `"https://github.com/org/repo.git" = "/srv/mirror"`.
    pub mirrors: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineSettings {
    /// Seconds between Git polls (0 turns polling off).
    pub poll_interval_seconds: u64,
    /// Seconds a kustomize or helm run may take.
    pub render_timeout_seconds: u64,
    /// Self-heal backoff: the wait after the first self-heal, in seconds
    /// (Argo CD's `--self-heal-backoff-timeout-seconds`).
    pub self_heal_backoff_seconds: u64,
    /// Each further self-heal waits this many times longer.
    pub self_heal_backoff_factor: u32,
    /// The longest wait between self-heals, in seconds.
    pub self_heal_backoff_cap_seconds: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            poll_interval_seconds: 180,
            render_timeout_seconds: 90,
            self_heal_backoff_seconds: 2,
            self_heal_backoff_factor: 3,
            self_heal_backoff_cap_seconds: 300,
        }
    }
}

/// A loaded settings file and what in it was not understood.
#[derive(Debug, Clone, Default)]
pub struct LoadedSettings {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

impl Settings {
    /// Reads the settings file; a missing file gives the defaults. Unknown keys
    /// are warnings naming the file and the key, not errors.
    pub fn load(path: &Path) -> Result<LoadedSettings, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LoadedSettings::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<LoadedSettings, ConfigError> {
        let mut warnings = Vec::new();
        let deserializer = toml::Deserializer::new(text);
        let settings: Settings = serde_ignored::deserialize(deserializer, |ignored| {
            warnings.push(format!("{}: unknown setting '{ignored}'", path.display()));
        })
        .map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(LoadedSettings { settings, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let loaded = Settings::load(Path::new("/nonexistent/plumb/settings.toml")).unwrap();
        assert_eq!(loaded.settings, Settings::default());
        assert_eq!(loaded.settings.engine.poll_interval_seconds, 180);
    }

    #[test]
    fn unknown_keys_are_warnings_and_bad_values_are_errors() {
        let path = Path::new("settings.toml");
        let loaded = Settings::parse("[source]\nrepo = \"/r\"\ncolour = 1\n", path).unwrap();
        assert_eq!(loaded.settings.source.repo.as_deref(), Some("/r"));
        assert_eq!(
            loaded.warnings,
            vec!["settings.toml: unknown setting 'source.colour'"]
        );
        let err = Settings::parse("[engine]\npoll_interval_seconds = \"x\"\n", path).unwrap_err();
        assert!(err.to_string().starts_with("settings.toml: "), "{err}");
    }

    #[test]
    fn argocd_section() {
        use crate::engine::tracking::TrackingMethod;
        let path = Path::new("settings.toml");
        let text =
            "[argocd]\ncm_file = \"argocd-cm.yaml\"\ntracking = \"argocd-annotation+label\"\n";
        let loaded = Settings::parse(text, path).unwrap();
        assert_eq!(
            loaded.settings.argocd.tracking,
            TrackingMethod::ArgoAnnotationAndLabel
        );
        assert_eq!(
            loaded.settings.argocd.cm_file.as_deref(),
            Some(Path::new("argocd-cm.yaml"))
        );
        assert!(Settings::parse("[argocd]\ntracking = \"labels\"\n", path).is_err());
    }

    #[test]
    fn plumb_home_layout() {
        let paths = Paths::under(Path::new("/h"));
        assert_eq!(
            paths.settings_file(),
            PathBuf::from("/h/config/settings.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/h/data"));
    }
}
