//! Discovery documents: /version, /api, /apis, group/version resource lists,
//! and the aggregated (apidiscovery.k8s.io/v2) form kubectl asks for first.

use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::sandbox::registry::Registry;
use crate::sandbox::resources::Resource;

pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether the Accept header asks for aggregated discovery.
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let p = part.replace(' ', "");
        p.contains("g=apidiscovery.k8s.io")
            && p.contains("as=APIGroupDiscoveryList")
            && p.contains("v=v2")
            && !p.contains("v=v2beta1")
    })
}

pub fn version() -> Value {
    json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "sandbox",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.5", "compiler": "gc", "platform": "linux/amd64"})
}

pub fn legacy_versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs":
        [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn group_entry(name: &str, versions: &[String]) -> Value {
    let list: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    let preferred = list.first().cloned().unwrap_or(Value::Null);
    json!({"name": name, "versions": list, "preferredVersion": preferred})
}

pub fn groups(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .iter()
        .map(|(name, versions)| group_entry(name, versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(registry: &Registry, name: &str) -> Option<Value> {
    let groups = registry.groups();
    let (_, versions) = groups.iter().find(|(g, _)| g == name)?;
    let mut entry = group_entry(name, versions);
    if let Some(map) = entry.as_object_mut() {
        map.insert("kind".into(), json!("APIGroup"));
        map.insert("apiVersion".into(), json!("v1"));
    }
    Some(entry)
}

fn storage_hash(r: &Resource) -> String {
    let digest = Sha256::digest(format!("{}/{}/{}", r.group, r.version, r.kind));
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

const SUB_VERBS: &[&str] = &["get", "patch", "update"];

fn resource_entries(r: &Resource) -> Vec<Value> {
    let mut main = Map::new();
    main.insert("name".into(), json!(r.plural));
    main.insert("singularName".into(), json!(r.singular));
    main.insert("namespaced".into(), json!(r.namespaced));
    main.insert("kind".into(), json!(r.kind));
    main.insert("verbs".into(), json!(r.verbs));
    if !r.short_names.is_empty() {
        main.insert("shortNames".into(), json!(r.short_names));
    }
    if !r.categories.is_empty() {
        main.insert("categories".into(), json!(r.categories));
    }
    main.insert("storageVersionHash".into(), json!(storage_hash(r)));
    let mut out = vec![Value::Object(main)];
    let sub = |name: &str, kind: Value, verbs: &[&str]| {
        let mut m = Map::new();
        m.insert("name".into(), json!(format!("{}/{name}", r.plural)));
        m.insert("singularName".into(), json!(""));
        m.insert("namespaced".into(), json!(r.namespaced));
        if let Some(k) = kind.as_object() {
            m.extend(k.clone());
        }
        m.insert("verbs".into(), json!(verbs));
        Value::Object(m)
    };
    if r.finalize {
        out.push(sub("finalize", json!({"kind": r.kind}), &["update"]));
    }
    if r.scale.is_some() {
        out.push(sub(
            "scale",
            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
            SUB_VERBS,
        ));
    }
    if r.status {
        out.push(sub("status", json!({"kind": r.kind}), SUB_VERBS));
    }
    out
}

pub fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let resources: Vec<&Resource> = registry.in_group_version(group, version).collect();
    if resources.is_empty() {
        return None;
    }
    let mut entries: Vec<Value> = resources.iter().flat_map(|r| resource_entries(r)).collect();
    entries.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut list = Map::new();
    list.insert("kind".into(), json!("APIResourceList"));
    if !group.is_empty() {
        list.insert("apiVersion".into(), json!("v1"));
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    list.insert("groupVersion".into(), json!(gv));
    list.insert("resources".into(), Value::Array(entries));
    Some(Value::Object(list))
}

fn aggregated_resource(r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert("resource".into(), json!(r.plural));
    m.insert(
        "responseKind".into(),
        json!({"group": "", "version": "", "kind": r.kind}),
    );
    m.insert(
        "scope".into(),
        json!(if r.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }),
    );
    m.insert("singularResource".into(), json!(r.singular));
    m.insert("verbs".into(), json!(r.verbs));
    if !r.short_names.is_empty() {
        m.insert("shortNames".into(), json!(r.short_names));
    }
    if !r.categories.is_empty() {
        m.insert("categories".into(), json!(r.categories));
    }
    let mut subs = Vec::new();
    let own = json!({"group": "", "version": "", "kind": r.kind});
    if r.finalize {
        subs.push(json!({"subresource": "finalize", "responseKind": own, "verbs": ["update"]}));
    }
    if r.scale.is_some() {
        subs.push(json!({"subresource": "scale",
            "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}, "verbs": SUB_VERBS}));
    }
    if r.status {
        subs.push(json!({"subresource": "status", "responseKind": own, "verbs": SUB_VERBS}));
    }
    if !subs.is_empty() {
        m.insert("subresources".into(), Value::Array(subs));
    }
    Value::Object(m)
}

fn aggregated_group(registry: &Registry, name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let mut rs: Vec<&Resource> = registry.in_group_version(name, v).collect();
            rs.sort_by(|a, b| a.plural.cmp(&b.plural));
            let resources: Vec<Value> = rs.into_iter().map(aggregated_resource).collect();
            json!({"version": v, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let metadata = if name.is_empty() {
        json!({"creationTimestamp": null})
    } else {
        json!({"name": name, "creationTimestamp": null})
    };
    json!({"metadata": metadata, "versions": versions})
}

fn aggregated_list(items: Vec<Value>) -> Value {
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {}, "items": items})
}

/// Aggregated discovery of the core group (`/api`).
pub fn aggregated_core(registry: &Registry) -> Value {
    aggregated_list(vec![aggregated_group(registry, "", &["v1".to_owned()])])
}

/// Aggregated discovery of every named group (`/apis`).
pub fn aggregated_groups(registry: &Registry) -> Value {
    let items = registry
        .groups()
        .iter()
        .map(|(name, versions)| aggregated_group(registry, name, versions))
        .collect();
    aggregated_list(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_lists_scale_and_status_subresources() {
        let list = resource_list(&Registry::default(), "apps", "v1").expect("apps/v1");
        let names: Vec<&str> = list["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(names.contains(&"deployments/scale"));
        assert!(names.contains(&"deployments/status"));
        assert_eq!(list["apiVersion"], "v1");
        let core = resource_list(&Registry::default(), "", "v1").expect("v1");
        assert!(core.get("apiVersion").is_none());
    }

    #[test]
    fn kubectl_accept_header_asks_for_aggregated() {
        assert!(wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated("application/json"));
    }
}
