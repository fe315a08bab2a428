//! Conversion between served versions of one stored kind: autoscaling/v1
//! and autoscaling/v2 HorizontalPodAutoscalers.

use serde_json::{Map, Value, json};

fn cpu_utilization(metrics: &Value) -> Option<Value> {
    metrics.as_array()?.iter().find_map(|m| {
        let resource = m.get("resource")?;
        (m["type"] == "Resource"
            && resource["name"] == "cpu"
            && resource["target"]["type"] == "Utilization")
            .then(|| resource["target"]["averageUtilization"].clone())
    })
}

fn v2_to_v1(mut o: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(spec)) = o.get_mut("spec") {
        let cpu = spec.remove("metrics").as_ref().and_then(cpu_utilization);
        spec.remove("behavior");
        if let Some(cpu) = cpu {
            spec.insert("targetCPUUtilizationPercentage".into(), cpu);
        }
    }
    if let Some(Value::Object(status)) = o.get_mut("status") {
        let current = status.remove("currentMetrics").and_then(|m| {
            m.as_array()?.iter().find_map(|m| {
                (m["type"] == "Resource" && m["resource"]["name"] == "cpu")
                    .then(|| m["resource"]["current"]["averageUtilization"].clone())
            })
        });
        status.remove("conditions");
        if let Some(c) = current.filter(|c| !c.is_null()) {
            status.insert("currentCPUUtilizationPercentage".into(), c);
        }
        if !status.contains_key("currentReplicas") {
            status.insert("currentReplicas".into(), json!(0));
        }
    }
    o
}

fn v1_to_v2(mut o: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(spec)) = o.get_mut("spec")
        && let Some(cpu) = spec.remove("targetCPUUtilizationPercentage")
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": cpu}}}]),
        );
    }
    if let Some(Value::Object(status)) = o.get_mut("status")
        && let Some(cpu) = status.remove("currentCPUUtilizationPercentage")
    {
        status.insert(
            "currentMetrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": cpu}}}]),
        );
    }
    o
}

/// `object` (stored at whatever version it was written) as `group/version`.
pub fn to_version(group: &str, kind: &str, version: &str, object: Value) -> Value {
    let stored = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or(version)
        .to_owned();
    let Value::Object(map) = object else {
        return object;
    };
    let converted = match (group, kind, stored.as_str(), version) {
        ("autoscaling", "HorizontalPodAutoscaler", "v2", "v1") => v2_to_v1(map),
        ("autoscaling", "HorizontalPodAutoscaler", "v1", "v2") => v1_to_v2(map),
        _ => map,
    };
    Value::Object(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_target_round_trips_between_v1_and_v2() {
        let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "spec": {"minReplicas": 2, "maxReplicas": 10, "metrics": [{"type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 65}}}]}});
        let v1 = to_version("autoscaling", "HorizontalPodAutoscaler", "v1", v2.clone());
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 65);
        assert!(v1["spec"].get("metrics").is_none());
        let mut v1 = v1;
        v1["apiVersion"] = json!("autoscaling/v1");
        let back = to_version("autoscaling", "HorizontalPodAutoscaler", "v2", v1);
        assert_eq!(back["spec"]["metrics"], v2["spec"]["metrics"]);
    }
}
