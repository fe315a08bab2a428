//! CustomResourceDefinitions: establishing them (status conditions, accepted
//! names) and serving the resources they declare; removing both when the
//! CRD goes.

use serde_json::{Value, json};

use super::api::State;
use super::clock::format_time;
use super::resources::{Resource, ScalePaths};
use crate::model::ResourceKey;

const CRD_VERBS: &[&str] = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The resources a CRD serves, one per served version.
pub fn resources_of(crd: &Value) -> Vec<Resource> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or("").to_owned();
    let names = &spec["names"];
    let kind = names["kind"].as_str().unwrap_or("").to_owned();
    let plural = names["plural"].as_str().unwrap_or("").to_owned();
    let singular = names["singular"]
        .as_str()
        .map_or_else(|| kind.to_lowercase(), str::to_owned);
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    versions
        .iter()
        .filter(|v| v["served"].as_bool() == Some(true))
        .map(|v| {
            let subs = &v["subresources"];
            let scale = subs.get("scale").map(|s| ScalePaths {
                spec_replicas: s["specReplicasPath"]
                    .as_str()
                    .unwrap_or(".spec.replicas")
                    .into(),
                status_replicas: s["statusReplicasPath"]
                    .as_str()
                    .unwrap_or(".status.replicas")
                    .into(),
                label_selector: s["labelSelectorPath"].as_str().map(str::to_owned),
            });
            Resource {
                group: group.clone(),
                version: v["name"].as_str().unwrap_or("").to_owned(),
                kind: kind.clone(),
                plural: plural.clone(),
                singular: singular.clone(),
                namespaced,
                verbs: CRD_VERBS.iter().map(|s| (*s).to_owned()).collect(),
                short_names: strings(names.get("shortNames")),
                categories: strings(names.get("categories")),
                status: subs.get("status").is_some(),
                scale,
                finalize: false,
            }
        })
        .collect()
}

/// Defaults and initial status of a CRD being created.
pub fn prepare_new(crd: &mut Value) {
    if let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut)
        && !spec.contains_key("conversion")
    {
        spec.insert("conversion".into(), json!({"strategy": "None"}));
    }
    let stored: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter(|v| v["storage"].as_bool() == Some(true))
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(map) = crd.as_object_mut() {
        map.insert(
            "status".into(),
            json!({"conditions": null, "acceptedNames": {"plural": "", "kind": ""},
                "storedVersions": stored}),
        );
    }
}

fn established(crd: &Value) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        })
}

/// Establishes new CRDs and brings the served resources in line with the
/// stored CRDs; removes the objects of CRDs that are gone.
pub fn sync(state: &mut State, now: jiff::Timestamp) {
    let crds: Vec<(ResourceKey, Value)> = state
        .store
        .list("apiextensions.k8s.io", "CustomResourceDefinition", None)
        .map(|o| (ResourceKey::of(o), o.clone()))
        .collect();
    let served: Vec<String> = crds.iter().map(|(k, _)| k.name.clone()).collect();
    let gone: Vec<Resource> = state
        .registry
        .all()
        .filter(|r| super::api::is_custom(r))
        .filter(|r| !served.contains(&format!("{}.{}", r.plural, r.group)))
        .cloned()
        .collect();
    for r in gone {
        let keys: Vec<ResourceKey> = state
            .store
            .all()
            .filter(|(k, _)| k.group == r.group && k.kind == r.kind)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Err(e) = state.store.remove(&k) {
                tracing::error!("cannot remove {k} after its CRD went: {}", e.message);
            }
        }
        state
            .registry
            .set_custom(&format!("{}.{}", r.plural, r.group), Vec::new());
    }
    for (key, mut crd) in crds {
        if super::api::meta::is_deleting(&crd) {
            continue;
        }
        state.registry.set_custom(&key.name, resources_of(&crd));
        if established(&crd) {
            continue;
        }
        let time = format_time(now);
        let names = crd["spec"]["names"].clone();
        if let Some(status) = crd.get_mut("status").and_then(Value::as_object_mut) {
            status.insert(
                "conditions".into(),
                json!([
                    {"type": "NamesAccepted", "status": "True", "lastTransitionTime": time,
                     "reason": "NoConflicts", "message": "no conflicts found"},
                    {"type": "Established", "status": "True", "lastTransitionTime": time,
                     "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}
                ]),
            );
            status.insert("acceptedNames".into(), names);
        }
        crate::sandbox::patch::managed::record_update(
            None,
            &mut crd,
            "kube-apiserver",
            Some("status"),
            now,
        );
        if let Err(e) = state.store.put(key, crd) {
            tracing::error!("cannot record a CRD's status: {}", e.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_versions_become_resources() {
        let crd = json!({"spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}},
            {"name": "v0", "served": false, "storage": false}
        ]}});
        let rs = resources_of(&crd);
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0].plural, "widgets");
        assert!(rs[0].status);
        assert!(rs[0].scale.is_none());
        assert_eq!(rs[0].short_names, vec!["wd"]);
    }
}
