//! The `meta.k8s.io/v1` Table form `kubectl get` asks for: the real columns
//! and cells of each kind.

mod cells;
mod columns;
mod printer;

use std::borrow::Cow;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::sandbox::resources::Resource;

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// One column: name, type, priority, description.
pub type Column = (Cow<'static, str>, Cow<'static, str>, u8, &'static str);

const fn col(name: &'static str, kind: &'static str, priority: u8, desc: &'static str) -> Column {
    (Cow::Borrowed(name), Cow::Borrowed(kind), priority, desc)
}

/// Whether a row carries the object's metadata, the whole object, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// Whether the Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.replace(' ', "").contains("as=Table"))
}

/// Kubernetes' short human duration (`5s`, `3m20s`, `2d4h`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    let (m, h) = (s / 60, s / 3600);
    let d = h / 24;
    let y = d / 365;
    match () {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => match s % 60 {
            0 => format!("{m}m"),
            rem => format!("{m}m{rem}s"),
        },
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => match m % 60 {
            0 => format!("{h}h"),
            rem => format!("{h}h{rem}m"),
        },
        _ if h < 48 => format!("{h}h"),
        _ if h < 24 * 8 => match h % 24 {
            0 => format!("{d}d"),
            rem => format!("{d}d{rem}h"),
        },
        _ if h < 24 * 365 * 2 => format!("{d}d"),
        _ if h < 24 * 365 * 8 => match d % 365 {
            0 => format!("{y}y"),
            rem => format!("{y}y{rem}d"),
        },
        _ => format!("{y}y"),
    }
}

/// The age cell of an object at `now`.
pub fn age(object: &Value, now: Timestamp) -> String {
    object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map_or_else(
            || "<unknown>".into(),
            |t| human_duration(now.as_second() - t.as_second()),
        )
}

fn columns_json(columns: &[Column]) -> Vec<Value> {
    columns
        .iter()
        .map(|(name, kind, priority, desc)| {
            let (kind, format) = match kind.as_ref() {
                "name" => ("string", "name"),
                "date" => ("date", ""),
                other => (other, ""),
            };
            let desc = match name.as_ref() {
                "Name" if format == "name" => NAME_DESC,
                "Age" => AGE_DESC,
                _ => desc,
            };
            json!({"name": name, "type": kind, "format": format, "description": desc, "priority": priority})
        })
        .collect()
}

fn row_object(object: &Value, include: IncludeObject) -> Option<Value> {
    match include {
        IncludeObject::None => None,
        IncludeObject::Object => Some(object.clone()),
        IncludeObject::Metadata => Some(json!({"kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1", "metadata": object.get("metadata").cloned().unwrap_or(json!({}))})),
    }
}

/// The Table of `objects` (already served at `resource`'s version).
pub fn table(
    resource: &Resource,
    crd: Option<&Value>,
    objects: &[Value],
    list_meta: Value,
    include: IncludeObject,
    now: Timestamp,
) -> Value {
    let printer = printer::printer_for(resource, crd);
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut row = json!({"cells": printer.cells(o, now)});
            if let (Some(obj), Some(map)) = (row_object(o, include), row.as_object_mut()) {
                map.insert("object".into(), obj);
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta,
        "columnDefinitions": columns_json(&printer.columns()), "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(200), "3m20s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3h5m");
        assert_eq!(human_duration(50 * 3600), "2d2h");
        assert_eq!(human_duration(400 * 86400), "400d");
    }

    #[test]
    fn deployment_rows_match_the_recording() {
        let r = crate::sandbox::resources::built_in()
            .into_iter()
            .find(|r| r.kind == "Deployment")
            .expect("deployments");
        let now: Timestamp = "2026-11-22T02:24:41Z".parse().expect("time");
        let d = json!({"metadata": {"name": "web", "creationTimestamp": "2026-11-22T02:24:41Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}},
            "status": {}});
        let t = table(&r, None, &[d], json!({}), IncludeObject::Metadata, now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["web", "0/3", 0, 0, "0s", "app", "nginx:1.25", "app=web"])
        );
        assert_eq!(t["columnDefinitions"][2]["name"], "Up-to-date");
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }
}
