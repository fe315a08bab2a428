//! The cluster generator: one parameter set per known cluster that the
//! selector accepts, plus the local `in-cluster` when no selector is given
//! and no known cluster already stands for it.

use serde_json::{Map, Value};

use super::selector;
use crate::engine::appset::params::{Params, sanitize_name};
use crate::engine::appset::template::Templating;
use crate::engine::appset::{ClusterInfo, IN_CLUSTER_SERVER};

pub fn generate(
    spec: &Value,
    templating: &Templating,
    clusters: &[ClusterInfo],
) -> Result<Vec<Params>, String> {
    let selector_spec = spec.get("selector");
    let mut candidates: Vec<ClusterInfo> = clusters.to_vec();
    let has_local = clusters
        .iter()
        .any(|c| c.local || c.server == IN_CLUSTER_SERVER);
    if selector::is_empty(selector_spec) && !has_local {
        candidates.push(ClusterInfo::in_cluster());
    }
    let mut out = Vec::new();
    for cluster in &candidates {
        if let Some(selector_spec) = selector_spec.filter(|_| !selector::is_empty(selector_spec)) {
            let get = |key: &str| cluster.labels.get(key).cloned();
            if !selector::matches(selector_spec, &get)? {
                continue;
            }
        }
        let mut params = cluster_params(cluster, templating.go);
        if let Some(Value::Object(values)) = spec.get("values") {
            let mut rendered = Map::new();
            for (key, template) in values {
                let text = template
                    .as_str()
                    .ok_or_else(|| format!("values.{key} must be a string"))?;
                let value = templating
                    .render_str(text, &params)
                    .map_err(|e| format!("values.{key}: {e}"))?;
                rendered.insert(key.clone(), value.into());
            }
            insert_values(&mut params, rendered, templating.go);
        }
        out.push(params);
    }
    if spec.get("flatList").and_then(Value::as_bool) == Some(true) {
        let clusters = out.into_iter().map(Value::Object).collect();
        let mut params = Params::new();
        params.insert("clusters".into(), Value::Array(clusters));
        return Ok(vec![params]);
    }
    Ok(out)
}

/// `values` as `values.<k>` (flat) or a `values` map (Go).
pub fn insert_values(params: &mut Params, values: Map<String, Value>, go_template: bool) {
    if go_template {
        params.insert("values".into(), Value::Object(values));
    } else {
        for (key, value) in values {
            params.insert(format!("values.{key}"), value);
        }
    }
}

fn cluster_params(cluster: &ClusterInfo, go_template: bool) -> Params {
    let mut params = Params::new();
    params.insert("name".into(), cluster.name.clone().into());
    params.insert("nameNormalized".into(), sanitize_name(&cluster.name).into());
    params.insert("server".into(), cluster.server.clone().into());
    params.insert(
        "project".into(),
        cluster.project.clone().unwrap_or_default().into(),
    );
    let to_map = |m: &std::collections::BTreeMap<String, String>| -> Map<String, Value> {
        m.iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect()
    };
    if go_template {
        let mut metadata = Map::new();
        metadata.insert("labels".into(), Value::Object(to_map(&cluster.labels)));
        metadata.insert(
            "annotations".into(),
            Value::Object(to_map(&cluster.annotations)),
        );
        params.insert("metadata".into(), Value::Object(metadata));
    } else {
        for (key, value) in &cluster.labels {
            params.insert(format!("metadata.labels.{key}"), value.clone().into());
        }
        for (key, value) in &cluster.annotations {
            params.insert(format!("metadata.annotations.{key}"), value.clone().into());
        }
    }
    params
}
