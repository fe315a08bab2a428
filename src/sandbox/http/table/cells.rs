//! Cells per built-in kind, as the real server's printers fill them.

use serde_json::{Value, json};

pub(super) fn s<'a>(o: &'a Value, p: &str) -> &'a str {
    o.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn n(o: &Value, p: &str) -> i64 {
    o.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(v: String) -> String {
    if v.is_empty() { "<none>".into() } else { v }
}

fn template_containers(o: &Value, pointer: &str) -> (String, String) {
    let list = o
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = list.iter().filter_map(|c| c["name"].as_str()).collect();
    let images: Vec<&str> = list.iter().filter_map(|c| c["image"].as_str()).collect();
    (names.join(","), images.join(","))
}

fn selector(o: &Value, pointer: &str) -> String {
    let sel = o.pointer(pointer).cloned().unwrap_or(Value::Null);
    let mut parts: Vec<String> = sel["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if let Some(exprs) = sel["matchExpressions"].as_array() {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or("");
            let vals: Vec<&str> = e["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            parts.push(match e["operator"].as_str().unwrap_or("") {
                "In" => format!("{key} in ({})", vals.join(",")),
                "NotIn" => format!("{key} notin ({})", vals.join(",")),
                "DoesNotExist" => format!("!{key}"),
                _ => key.to_owned(),
            });
        }
    }
    or_none(parts.join(","))
}

fn map_selector(o: &Value, pointer: &str) -> String {
    or_none(
        o.pointer(pointer)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    )
}

fn service_ports(o: &Value) -> String {
    let ports = o
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text: Vec<String> = ports
        .iter()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(np) => format!("{}:{np}/{proto}", p["port"]),
                None => format!("{}/{proto}", p["port"]),
            }
        })
        .collect();
    or_none(text.join(","))
}

/// `ip:port` of every ready address and port, the first three, then
/// ` + N more...`, as kubectl's printer shows Endpoints.
fn endpoint_addresses(o: &Value) -> String {
    let mut all = Vec::new();
    for subset in o
        .pointer("/subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ports: Vec<i64> = subset["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["port"].as_i64())
            .collect();
        for address in subset["addresses"].as_array().into_iter().flatten() {
            let ip = address["ip"].as_str().unwrap_or("");
            if ports.is_empty() {
                all.push(ip.to_owned());
            }
            all.extend(ports.iter().map(|port| format!("{ip}:{port}")));
        }
    }
    match all.len() {
        0 => "<none>".into(),
        n if n > 3 => format!("{} + {} more...", all[..3].join(","), n - 3),
        _ => all.join(","),
    }
}

fn external_ip(o: &Value) -> String {
    let ingress: Vec<String> = o
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .map(|i| {
            i.iter()
                .filter_map(|x| {
                    x["ip"]
                        .as_str()
                        .or(x["hostname"].as_str())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let external: Vec<String> = o
        .pointer("/spec/externalIPs")
        .and_then(Value::as_array)
        .map(|i| {
            i.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    match s(o, "/spec/type") {
        "LoadBalancer" if ingress.is_empty() && external.is_empty() => "<pending>".into(),
        "LoadBalancer" => [ingress, external].concat().join(","),
        "ExternalName" => s(o, "/spec/externalName").to_owned(),
        _ => or_none(external.join(",")),
    }
}

fn pod_ready(o: &Value) -> (String, String, i64) {
    let total = o
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let statuses = o
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|c| c["ready"].as_bool() == Some(true))
        .count();
    let restarts: i64 = statuses
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum();
    let waiting = statuses
        .iter()
        .find_map(|c| c.pointer("/state/waiting/reason").and_then(Value::as_str));
    let mut status = s(o, "/status/reason").to_owned();
    if status.is_empty() {
        status = waiting.unwrap_or(s(o, "/status/phase")).to_owned();
    }
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        status = "Terminating".into();
    }
    (format!("{ready}/{total}"), status, restarts)
}

fn count(o: &Value, pointer: &str) -> usize {
    match o.pointer(pointer) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

fn subjects(o: &Value, kind: &str) -> String {
    let list = o["subjects"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = list
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|s| match (kind, s["namespace"].as_str()) {
            ("ServiceAccount", Some(ns)) => format!("{ns}/{}", s["name"].as_str().unwrap_or("")),
            _ => s["name"].as_str().unwrap_or("").to_owned(),
        })
        .collect();
    names.join(", ")
}

pub(super) fn builtin_cells(kind: &str, o: &Value, name: Value, age: Value) -> Vec<Value> {
    let tc = template_containers(o, "/spec/template/spec/containers");
    match kind {
        "Deployment" => vec![
            name,
            json!(format!(
                "{}/{}",
                n(o, "/status/readyReplicas"),
                n(o, "/spec/replicas")
            )),
            json!(n(o, "/status/updatedReplicas")),
            json!(n(o, "/status/availableReplicas")),
            age,
            json!(tc.0),
            json!(tc.1),
            json!(selector(o, "/spec/selector")),
        ],
        "ReplicaSet" => vec![
            name,
            json!(n(o, "/spec/replicas")),
            json!(n(o, "/status/replicas")),
            json!(n(o, "/status/readyReplicas")),
            age,
            json!(tc.0),
            json!(tc.1),
            json!(selector(o, "/spec/selector")),
        ],
        "StatefulSet" => vec![
            name,
            json!(format!(
                "{}/{}",
                n(o, "/status/readyReplicas"),
                n(o, "/spec/replicas")
            )),
            age,
            json!(tc.0),
            json!(tc.1),
        ],
        "DaemonSet" => vec![
            name,
            json!(n(o, "/status/desiredNumberScheduled")),
            json!(n(o, "/status/currentNumberScheduled")),
            json!(n(o, "/status/numberReady")),
            json!(n(o, "/status/updatedNumberScheduled")),
            json!(n(o, "/status/numberAvailable")),
            json!(map_selector(o, "/spec/template/spec/nodeSelector")),
            age,
            json!(tc.0),
            json!(tc.1),
            json!(selector(o, "/spec/selector")),
        ],
        "Pod" => {
            let (ready, status, restarts) = pod_ready(o);
            vec![
                name,
                json!(ready),
                json!(status),
                json!(restarts.to_string()),
                age,
                json!(or_none(s(o, "/status/podIP").into())),
                json!(or_none(s(o, "/spec/nodeName").into())),
                json!("<none>"),
                json!("<none>"),
            ]
        }
        "Service" => vec![
            name,
            json!(s(o, "/spec/type")),
            json!(or_none(s(o, "/spec/clusterIP").into())),
            json!(external_ip(o)),
            json!(service_ports(o)),
            age,
            json!(map_selector(o, "/spec/selector")),
        ],
        "ConfigMap" => vec![
            name,
            json!(count(o, "/data") + count(o, "/binaryData")),
            age,
        ],
        "Secret" => vec![name, json!(s(o, "/type")), json!(count(o, "/data")), age],
        "Namespace" => vec![name, json!(s(o, "/status/phase")), age],
        "ServiceAccount" => vec![name, json!(count(o, "/secrets").to_string()), age],
        "PersistentVolumeClaim" => {
            let modes: Vec<&str> = o
                .pointer("/spec/accessModes")
                .and_then(Value::as_array)
                .map(|m| {
                    m.iter()
                        .filter_map(Value::as_str)
                        .map(|m| match m {
                            "ReadWriteOnce" => "RWO",
                            "ReadOnlyMany" => "ROX",
                            "ReadWriteMany" => "RWX",
                            "ReadWriteOncePod" => "RWOP",
                            other => other,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let bound = s(o, "/status/phase") == "Bound";
            vec![
                name,
                json!(s(o, "/status/phase")),
                json!(s(o, "/spec/volumeName")),
                json!(if bound {
                    s(o, "/status/capacity/storage")
                } else {
                    ""
                }),
                json!(if bound {
                    modes.join(",")
                } else {
                    String::new()
                }),
                json!(or_none(s(o, "/spec/storageClassName").into())),
                json!("<unset>"),
                age,
                json!(s(o, "/spec/volumeMode")),
            ]
        }
        "Endpoints" => vec![name, json!(endpoint_addresses(o)), age],
        "Job" => {
            let status = if o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Complete" && c["status"] == "True")
                }) {
                "Complete"
            } else if o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Failed" && c["status"] == "True")
                })
            {
                "Failed"
            } else {
                "Running"
            };
            vec![
                name,
                json!(status),
                json!(format!(
                    "{}/{}",
                    n(o, "/status/succeeded"),
                    n(o, "/spec/completions").max(1)
                )),
                json!(""),
                age,
                json!(tc.0),
                json!(tc.1),
                json!(selector(o, "/spec/selector")),
            ]
        }
        "CronJob" => {
            let jc = template_containers(o, "/spec/jobTemplate/spec/template/spec/containers");
            vec![
                name,
                json!(s(o, "/spec/schedule")),
                json!(or_none(s(o, "/spec/timeZone").into())),
                json!(
                    o.pointer("/spec/suspend")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        .to_string()
                        .replace("true", "True")
                        .replace("false", "False")
                ),
                json!(count(o, "/status/active")),
                json!("<none>"),
                age,
                json!(jc.0),
                json!(jc.1),
                json!(selector(o, "/spec/jobTemplate/spec/selector")),
            ]
        }
        "Ingress" => {
            let hosts: Vec<&str> = o
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|r| r["host"].as_str()).collect())
                .unwrap_or_default();
            let hosts = if hosts.is_empty() {
                "*".to_owned()
            } else {
                hosts.join(",")
            };
            let ports = if o.pointer("/spec/tls").is_some() {
                "80, 443"
            } else {
                "80"
            };
            vec![
                name,
                json!(or_none(s(o, "/spec/ingressClassName").into())),
                json!(hosts),
                json!(""),
                json!(ports),
                age,
            ]
        }
        "NetworkPolicy" => vec![
            name,
            json!(map_selector(o, "/spec/podSelector/matchLabels")),
            age,
        ],
        "HorizontalPodAutoscaler" => {
            let reference = format!(
                "{}/{}",
                s(o, "/spec/scaleTargetRef/kind"),
                s(o, "/spec/scaleTargetRef/name")
            );
            vec![
                name,
                json!(reference),
                json!("<unknown>"),
                json!(
                    o.pointer("/spec/minReplicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1)
                        .to_string()
                ),
                json!(n(o, "/spec/maxReplicas")),
                json!(n(o, "/status/currentReplicas")),
                age,
            ]
        }
        "PodDisruptionBudget" => {
            let show = |p: &str| {
                o.pointer(p).map_or("N/A".to_owned(), |v| {
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                })
            };
            vec![
                name,
                json!(show("/spec/minAvailable")),
                json!(show("/spec/maxUnavailable")),
                json!(n(o, "/status/disruptionsAllowed")),
                age,
            ]
        }
        "RoleBinding" | "ClusterRoleBinding" => vec![
            name,
            json!(format!(
                "{}/{}",
                s(o, "/roleRef/kind"),
                s(o, "/roleRef/name")
            )),
            age,
            json!(subjects(o, "User")),
            json!(subjects(o, "Group")),
            json!(subjects(o, "ServiceAccount")),
        ],
        "Lease" => vec![name, json!(s(o, "/spec/holderIdentity")), age],
        "Event" => vec![
            age,
            json!(s(o, "/type")),
            json!(s(o, "/reason")),
            json!(format!(
                "{}/{}",
                s(o, "/involvedObject/kind").to_lowercase(),
                s(o, "/involvedObject/name")
            )),
            json!(s(o, "/message")),
        ],
        _ => vec![name, age],
    }
}
