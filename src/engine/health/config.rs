//! Configured Lua health overrides, read from an Argo CD `argocd-cm` ConfigMap
//! (split keys and the combined `resource.customizations` YAML) and layered
//! with plumb's own settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde_json::Value;

const CUSTOMIZATIONS: &str = "resource.customizations";
const HEALTH_PREFIX: &str = "resource.customizations.health.";
const OPEN_LIBS_PREFIX: &str = "resource.customizations.useOpenLibs.";

/// The health settings of one `group/Kind` key (or glob key such as `*.crossplane.io/*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptOverride {
    pub health_lua: Option<String>,
    pub use_open_libs: Option<bool>,
}

/// Configured Lua health overrides keyed by `group/Kind` (`Kind` for core kinds).
#[derive(Debug, Clone, Default)]
pub struct HealthConfig {
    overrides: BTreeMap<String, ScriptOverride>,
    /// Every key compiled as a glob, in key order (Argo CD's map order is random).
    globs: Vec<(String, GlobMatcher)>,
}

/// The script chosen for an object and whether it gets all standard libraries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConfiguredScript {
    pub source: String,
    pub open_libs: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HealthConfigError {
    #[error(
        "argocd-cm key {key:?}: group kind should be in format `resource.customizations.<type>.<group_kind>` or `resource.customizations.<type>.<kind>`"
    )]
    BadSplitKey { key: String },
    #[error("argocd-cm key {key:?}: expected a string value")]
    NotAString { key: String },
    #[error("argocd-cm key {key:?}: {value:?} is not a boolean")]
    NotABool { key: String, value: String },
    #[error("argocd-cm key {CUSTOMIZATIONS:?}: {detail}")]
    BadCustomizations { detail: String },
    #[error("argocd-cm: `data` must be a map of strings")]
    BadData,
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid ConfigMap: {detail}")]
    Parse { path: PathBuf, detail: String },
}

impl HealthConfig {
    /// Reads the health overrides from an argocd-cm ConfigMap object. Split
    /// keys (`resource.customizations.health.<group>_<kind>`) take precedence
    /// over entries of the combined `resource.customizations` YAML.
    pub fn from_argocd_cm(cm: &Value) -> Result<HealthConfig, HealthConfigError> {
        let mut config = HealthConfig::default();
        let data = match cm.get("data") {
            None | Some(Value::Null) => return Ok(config),
            Some(Value::Object(data)) => data,
            Some(_) => return Err(HealthConfigError::BadData),
        };
        let text = |key: &str, value: &Value| -> Result<String, HealthConfigError> {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| HealthConfigError::NotAString {
                    key: key.to_owned(),
                })
        };
        if let Some(combined) = data.get(CUSTOMIZATIONS) {
            config.read_combined(&text(CUSTOMIZATIONS, combined)?)?;
        }
        for (key, value) in data {
            if let Some(group_kind) = key.strip_prefix(HEALTH_PREFIX) {
                let script = text(key, value)?;
                config.entry(override_key(key, group_kind)?).health_lua = Some(script);
            } else if let Some(group_kind) = key.strip_prefix(OPEN_LIBS_PREFIX) {
                let flag = parse_bool(key, &text(key, value)?)?;
                config.entry(override_key(key, group_kind)?).use_open_libs = Some(flag);
            }
        }
        config.compile_globs();
        Ok(config)
    }

    /// Reads an argocd-cm ConfigMap from a YAML or JSON file.
    pub fn from_argocd_cm_file(path: &Path) -> Result<HealthConfig, HealthConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| HealthConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let cm: Value = serde_yaml::from_str(&text).map_err(|e| HealthConfigError::Parse {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        HealthConfig::from_argocd_cm(&cm).map_err(|e| HealthConfigError::Parse {
            path: path.to_owned(),
            detail: e.to_string(),
        })
    }

    /// Layers `other` over this config: each field `other` sets wins.
    pub fn merge(&mut self, other: HealthConfig) {
        for (key, incoming) in other.overrides {
            let entry = self.entry(key);
            if incoming.health_lua.is_some() {
                entry.health_lua = incoming.health_lua;
            }
            if incoming.use_open_libs.is_some() {
                entry.use_open_libs = incoming.use_open_libs;
            }
        }
        self.compile_globs();
    }

    /// Sets the override for a `group/Kind` or glob key.
    pub fn set_override(&mut self, key: impl Into<String>, settings: ScriptOverride) {
        self.overrides.insert(key.into(), settings);
        self.compile_globs();
    }

    pub fn overrides(&self) -> &BTreeMap<String, ScriptOverride> {
        &self.overrides
    }

    /// Argo CD's lookup: the exact key with a script, else the first key that
    /// glob-matches (only if it has a script).
    pub(super) fn script_for(&self, group: &str, kind: &str) -> Option<ConfiguredScript> {
        let key = if group.is_empty() {
            kind.to_owned()
        } else {
            format!("{group}/{kind}")
        };
        let chosen = self
            .overrides
            .get(&key)
            .filter(|o| has_script(o))
            .or_else(|| {
                let (glob_key, _) = self.globs.iter().find(|(_, g)| g.is_match(&key))?;
                self.overrides.get(glob_key).filter(|o| has_script(o))
            })?;
        Some(ConfiguredScript {
            source: chosen.health_lua.clone().unwrap_or_default(),
            open_libs: chosen.use_open_libs.unwrap_or(false),
        })
    }

    fn entry(&mut self, key: String) -> &mut ScriptOverride {
        self.overrides.entry(key).or_default()
    }

    fn read_combined(&mut self, yaml: &str) -> Result<(), HealthConfigError> {
        let bad = |detail: String| HealthConfigError::BadCustomizations { detail };
        let entries: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str::<Option<_>>(yaml)
            .map_err(|e| bad(e.to_string()))?
            .unwrap_or_default();
        for (key, entry) in entries {
            let health_lua = match entry.get("health.lua") {
                None | Some(serde_yaml::Value::Null) => None,
                Some(serde_yaml::Value::String(script)) => Some(script.clone()),
                Some(_) => return Err(bad(format!("{key:?}: health.lua must be a string"))),
            };
            let use_open_libs = match entry.get("useOpenLibs") {
                None | Some(serde_yaml::Value::Null) => None,
                Some(serde_yaml::Value::Bool(flag)) => Some(*flag),
                Some(_) => return Err(bad(format!("{key:?}: useOpenLibs must be a boolean"))),
            };
            self.overrides.insert(
                key,
                ScriptOverride {
                    health_lua,
                    use_open_libs,
                },
            );
        }
        Ok(())
    }

    fn compile_globs(&mut self) {
        // A key that is not a valid glob never matches, as in Argo CD.
        self.globs = self
            .overrides
            .keys()
            .filter_map(|key| Some((key.clone(), Glob::new(key).ok()?.compile_matcher())))
            .collect();
    }
}

fn has_script(settings: &ScriptOverride) -> bool {
    settings
        .health_lua
        .as_deref()
        .is_some_and(|s| !s.is_empty())
}

/// `<group>_<kind>` → `<group>/<kind>`; `<kind>` stays as is.
fn override_key(full_key: &str, group_kind: &str) -> Result<String, HealthConfigError> {
    let parts: Vec<&str> = group_kind.split('_').collect();
    match parts.as_slice() {
        [group, kind] => Ok(format!("{group}/{kind}")),
        [kind] if !kind.is_empty() => Ok((*kind).to_owned()),
        _ => Err(HealthConfigError::BadSplitKey {
            key: full_key.to_owned(),
        }),
    }
}

/// Go's strconv.ParseBool.
fn parse_bool(key: &str, value: &str) -> Result<bool, HealthConfigError> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(HealthConfigError::NotABool {
            key: key.to_owned(),
            value: value.to_owned(),
        }),
    }
}
