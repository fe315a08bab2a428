//! Which printer a resource uses: a built-in kind's, a CRD's additional
//! printer columns, or the default Name / Created At.

use std::borrow::Cow;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::cells::{builtin_cells, s};
use super::columns::{AGE, NAME, builtin_columns};
use super::{Column, age, col};
use crate::sandbox::resources::Resource;

/// How rows of one kind are printed.
pub enum Printer {
    BuiltIn(&'static str),
    Custom(Vec<(String, String, String, u8)>),
    Default,
}

pub fn printer_for(resource: &Resource, crd: Option<&Value>) -> Printer {
    if let Some(crd) = crd {
        let version = crd["spec"]["versions"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["name"] == resource.version.as_str()));
        let extra: Vec<(String, String, String, u8)> = version
            .and_then(|v| v["additionalPrinterColumns"].as_array())
            .map(|cols| {
                cols.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or("").to_owned(),
                            c["type"].as_str().unwrap_or("string").to_owned(),
                            c["jsonPath"].as_str().unwrap_or("").to_owned(),
                            c["priority"].as_u64().unwrap_or(0).min(255) as u8,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Printer::Custom(extra);
    }
    let known = [
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Pod",
        "Service",
        "ConfigMap",
        "Secret",
        "Namespace",
        "ServiceAccount",
        "PersistentVolumeClaim",
        "Endpoints",
        "Job",
        "CronJob",
        "Ingress",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "RoleBinding",
        "ClusterRoleBinding",
        "Lease",
        "Event",
    ];
    known
        .iter()
        .find(|k| **k == resource.kind)
        .map_or(Printer::Default, |k| Printer::BuiltIn(k))
}

impl Printer {
    pub fn columns(&self) -> Vec<Column> {
        match self {
            Self::Default => vec![
                NAME,
                col(
                    "Created At",
                    "date",
                    0,
                    "CreationTimestamp is a timestamp representing the server time when this object was created.",
                ),
            ],
            Self::Custom(extra) => {
                let mut cols = vec![NAME];
                for (name, kind, _, priority) in extra {
                    cols.push((
                        Cow::Owned(name.clone()),
                        Cow::Owned(kind.clone()),
                        *priority,
                        "",
                    ));
                }
                cols.push(AGE);
                cols
            }
            Self::BuiltIn(kind) => builtin_columns(kind),
        }
    }

    pub fn cells(&self, o: &Value, now: Timestamp) -> Vec<Value> {
        let name = json!(s(o, "/metadata/name"));
        let a = json!(age(o, now));
        match self {
            Self::Default => vec![name, json!(s(o, "/metadata/creationTimestamp"))],
            Self::Custom(extra) => {
                let mut cells = vec![name];
                for (_, _, path, _) in extra {
                    let pointer = path.trim_start_matches('.').replace('.', "/");
                    cells.push(
                        o.pointer(&format!("/{pointer}"))
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                }
                cells.push(a);
                cells
            }
            Self::BuiltIn(kind) => builtin_cells(kind, o, name, a),
        }
    }
}
