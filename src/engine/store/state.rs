//! What plumb keeps per app in the destination cluster, and its encoding as
//! ConfigMap data.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::appset::GeneratedRecord;
use crate::engine::sync::{HistoryEntry, SyncOperation};

pub const HISTORY_KEY: &str = "history.json";
pub const OPERATION_KEY: &str = "operation.json";
pub const FREEZE_KEY: &str = "freeze.json";
pub const AUTOSYNC_KEY: &str = "autosync.json";
pub const TERMINATE_KEY: &str = "terminate.json";
pub const GENERATED_KEY: &str = "generated.json";

/// Someone asked the running operation to stop (`plumb app terminate-op`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminateRequest {
    pub by: String,
    pub at: Timestamp,
}

/// An incident freeze: auto-sync and self-heal pause until it is lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeRecord {
    pub reason: String,
    pub by: String,
    pub since: Timestamp,
}

impl From<FreezeRecord> for crate::engine::snapshot::Freeze {
    fn from(record: FreezeRecord) -> Self {
        crate::engine::snapshot::Freeze {
            reason: record.reason,
            by: record.by,
            since: record.since,
        }
    }
}

/// Runtime overrides of the app's automated sync policy (Git holds the rest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoSyncOverride {
    /// `Some(false)` switches automated sync off whatever Git says.
    pub auto_sync: Option<bool>,
    pub self_heal: Option<bool>,
    /// Why auto-sync was switched off (e.g. `rollback to 3`).
    pub paused_reason: Option<String>,
}

/// One app's stored runtime state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppState {
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// The running operation, or the last one.
    pub operation: Option<SyncOperation>,
    pub freeze: Option<FreezeRecord>,
    pub autosync: AutoSyncOverride,
    /// A pending request to terminate the running operation.
    pub terminate: Option<TerminateRequest>,
    /// The ApplicationSet-generated spec as of the app's first operation.
    pub generated: Option<GeneratedRecord>,
}

impl AppState {
    /// Reads ConfigMap `data`; `what` names the ConfigMap in errors.
    pub fn decode(data: Option<&Value>, what: &str) -> Result<AppState, String> {
        Ok(AppState {
            history: field(data, HISTORY_KEY, what)?.unwrap_or_default(),
            operation: field(data, OPERATION_KEY, what)?,
            freeze: field(data, FREEZE_KEY, what)?,
            autosync: field(data, AUTOSYNC_KEY, what)?.unwrap_or_default(),
            terminate: field(data, TERMINATE_KEY, what)?,
            generated: field(data, GENERATED_KEY, what)?,
        })
    }

    pub fn encode(&self) -> Result<Value, String> {
        let mut data = Map::new();
        put(&mut data, HISTORY_KEY, &self.history)?;
        if let Some(op) = &self.operation {
            put(&mut data, OPERATION_KEY, op)?;
        }
        if let Some(freeze) = &self.freeze {
            put(&mut data, FREEZE_KEY, freeze)?;
        }
        put(&mut data, AUTOSYNC_KEY, &self.autosync)?;
        if let Some(request) = &self.terminate {
            put(&mut data, TERMINATE_KEY, request)?;
        }
        if let Some(record) = &self.generated {
            put(&mut data, GENERATED_KEY, record)?;
        }
        Ok(Value::Object(data))
    }
}

/// The freeze of every app, kept in `plumb-global`.
pub fn decode_global_freeze(
    data: Option<&Value>,
    what: &str,
) -> Result<Option<FreezeRecord>, String> {
    field(data, FREEZE_KEY, what)
}

pub fn encode_global_freeze(freeze: Option<&FreezeRecord>) -> Result<Value, String> {
    let mut data = Map::new();
    if let Some(freeze) = freeze {
        put(&mut data, FREEZE_KEY, freeze)?;
    }
    Ok(Value::Object(data))
}

fn field<T: serde::de::DeserializeOwned>(
    data: Option<&Value>,
    key: &str,
    what: &str,
) -> Result<Option<T>, String> {
    let Some(text) = data.and_then(|d| d.get(key)).and_then(Value::as_str) else {
        return Ok(None);
    };
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| format!("{what}: data key {key} is not valid: {e}"))
}

fn put<T: Serialize>(data: &mut Map<String, Value>, key: &str, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|e| format!("cannot encode {key}: {e}"))?;
    data.insert(key.to_owned(), Value::String(text));
    Ok(())
}
