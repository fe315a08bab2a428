//! Desired objects made ready to compare: keyed with the destination
//! namespace filled in, stamped with tracking, duplicates reported.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Condition, ConditionType, ScopeLookup};
use crate::engine::tracking::{TrackingMethod, stamp};
use crate::model::{ResourceKey, group_of, kind_of, name_of, namespace_of};

/// One desired object and its key.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: ResourceKey,
    pub object: Value,
    /// Whether the kind is namespaced, when discovery knows.
    pub namespaced: Option<bool>,
}

/// Keys the rendered objects (the last of repeated keys wins, with a
/// RepeatedResourceWarning) and stamps tracking on them, in render order.
/// An object named only by `generateName` is keyed `generateName` + its
/// position, as Argo CD does, so such hooks never count as repeated.
pub fn prepare(
    rendered: &[Value],
    instance: &str,
    destination_namespace: &str,
    scope: &ScopeLookup<'_>,
    method: TrackingMethod,
    conditions: &mut Vec<Condition>,
) -> Vec<Target> {
    let mut by_key: BTreeMap<ResourceKey, usize> = BTreeMap::new();
    let mut counts: BTreeMap<ResourceKey, usize> = BTreeMap::new();
    let mut targets: Vec<Target> = Vec::new();
    for (position, object) in rendered.iter().enumerate() {
        let namespaced = scope(group_of(object), kind_of(object));
        let mut object = object.clone();
        let namespace = match namespaced {
            Some(false) => String::new(),
            _ => match namespace_of(&object) {
                "" => destination_namespace.to_owned(),
                ns => ns.to_owned(),
            },
        };
        if namespaced == Some(true)
            && namespace_of(&object).is_empty()
            && !namespace.is_empty()
            && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
        {
            meta.insert("namespace".into(), Value::String(namespace.clone()));
        }
        stamp(
            &mut object,
            instance,
            destination_namespace,
            namespaced,
            method,
        );
        let key = ResourceKey::new(
            group_of(&object),
            kind_of(&object),
            &namespace,
            &key_name(&object, position),
        );
        *counts.entry(key.clone()).or_default() += 1;
        let target = Target {
            key: key.clone(),
            object,
            namespaced,
        };
        match by_key.get(&key) {
            Some(&at) => targets[at] = target,
            None => {
                by_key.insert(key, targets.len());
                targets.push(target);
            }
        }
    }
    for (key, count) in counts.into_iter().filter(|(_, n)| *n > 1) {
        conditions.push(Condition::new(
            ConditionType::RepeatedResourceWarning,
            format!(
                "Resource {}/{}/{}/{} appeared {count} times among application resources.",
                key.group, key.kind, key.namespace, key.name
            ),
        ));
    }
    targets
}

fn key_name(object: &Value, position: usize) -> String {
    let generate_name = object
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match name_of(object) {
        "" if !generate_name.is_empty() => format!("{generate_name}{position}"),
        name => name.to_owned(),
    }
}
