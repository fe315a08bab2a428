//! core/v1 Events recorded for what the controllers do, shaped as the real
//! event recorder writes them (`<object>.<hex>` names, source, counts).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::context::Ctx;
use super::util::{format_time, hash_parts, str_at, uid_of};
use crate::model::{ResourceKey, kind_of, name_of, namespace_of};

/// Who reports an event: the component name and the field manager of its writes.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub component: &'static str,
    pub manager: &'static str,
    /// The node, for kubelet events.
    pub host: Option<&'static str>,
}

pub const CONTROLLER_MANAGER: &str = "kube-controller-manager";

const fn controller(component: &'static str) -> Reporter {
    Reporter {
        component,
        manager: CONTROLLER_MANAGER,
        host: None,
    }
}

pub const DEPLOYMENT: Reporter = controller("deployment-controller");
pub const REPLICASET: Reporter = controller("replicaset-controller");
pub const STATEFULSET: Reporter = controller("statefulset-controller");
pub const DAEMONSET: Reporter = controller("daemonset-controller");
pub const JOB: Reporter = controller("job-controller");
pub const CRONJOB: Reporter = controller("cronjob-controller");
pub const HPA: Reporter = controller("horizontal-pod-autoscaler");
pub const PV_CONTROLLER: Reporter = controller("persistentvolume-controller");
/// The cloud provider's load-balancer controller that fills Service status.
pub const SERVICE: Reporter = Reporter {
    component: "service-controller",
    manager: "cloud-controller-manager",
    host: None,
};
/// The dynamic volume provisioner (kind's local-path provisioner).
pub const PROVISIONER: Reporter = Reporter {
    component: "rancher.io/local-path",
    manager: "local-path-provisioner",
    host: None,
};
/// The ingress controller that publishes Ingress addresses.
pub const INGRESS: Reporter = Reporter {
    component: "nginx-ingress-controller",
    manager: "nginx-ingress-controller",
    host: None,
};
pub const SCHEDULER: Reporter = Reporter {
    component: "default-scheduler",
    manager: "kube-scheduler",
    host: None,
};

pub fn kubelet(node: &'static str) -> Reporter {
    Reporter {
        component: "kubelet",
        manager: "kubelet",
        host: Some(node),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Normal,
    Warning,
}

/// One happening to report.
pub struct Happening<'a> {
    pub severity: Severity,
    pub reason: &'a str,
    pub message: &'a str,
    /// `spec.containers{name}` for container events.
    pub field_path: Option<String>,
}

impl<'a> Happening<'a> {
    pub fn normal(reason: &'a str, message: &'a str) -> Self {
        Self {
            severity: Severity::Normal,
            reason,
            message,
            field_path: None,
        }
    }

    pub fn warning(reason: &'a str, message: &'a str) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::normal(reason, message)
        }
    }

    pub fn on_container(mut self, container: &str) -> Self {
        self.field_path = Some(format!("spec.containers{{{container}}}"));
        self
    }
}

/// Records a one-off event that happens now (a scale, a create, a delete).
pub fn emit(ctx: &mut Ctx<'_>, involved: &Value, by: Reporter, what: Happening<'_>) {
    let now = ctx.now;
    let key = format!("{}\0{}", what.message, format_time(now));
    observe(ctx, involved, by, what, &key, 1, now, now);
}

/// Makes sure the event identified by `key` exists with this count and last
/// time: creates it once, then updates it as the happening repeats.
#[allow(clippy::too_many_arguments)]
pub fn observe(
    ctx: &mut Ctx<'_>,
    involved: &Value,
    by: Reporter,
    what: Happening<'_>,
    key: &str,
    count: i64,
    first: Timestamp,
    last: Timestamp,
) {
    let namespace = match namespace_of(involved) {
        "" => "default",
        ns => ns,
    };
    let hex = format!("{:016x}", hash_parts(&[uid_of(involved), what.reason, key]));
    let name = format!("{}.{}", name_of(involved), hex);
    let existing = ctx.get(&ResourceKey::new("", "Event", namespace, &name));
    if let Some(old) = existing {
        let same = old.get("count").and_then(Value::as_i64) == Some(count)
            && str_at(old, &["message"]) == what.message;
        if !same {
            let mut updated = old.clone();
            updated["count"] = json!(count);
            updated["message"] = json!(what.message);
            updated["lastTimestamp"] = json!(format_time(last));
            ctx.update(by.manager, updated);
        }
        return;
    }
    let mut involved_ref = json!({
        "kind": kind_of(involved),
        "name": name_of(involved),
        "uid": uid_of(involved),
        "apiVersion": str_at(involved, &["apiVersion"]),
        "resourceVersion": str_at(involved, &["metadata", "resourceVersion"]),
    });
    if !namespace_of(involved).is_empty() {
        involved_ref["namespace"] = json!(namespace_of(involved));
    }
    if let Some(path) = &what.field_path {
        involved_ref["fieldPath"] = json!(path);
    }
    let mut source = json!({ "component": by.component });
    if let Some(host) = by.host {
        source["host"] = json!(host);
    }
    let event = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": { "name": name, "namespace": namespace },
        "involvedObject": involved_ref,
        "reason": what.reason,
        "message": what.message,
        "source": source,
        "firstTimestamp": format_time(first),
        "lastTimestamp": format_time(last),
        "count": count,
        "type": match what.severity {
            Severity::Normal => "Normal",
            Severity::Warning => "Warning",
        },
        "eventTime": null,
        "reportingComponent": by.component,
        "reportingInstance": by.host.unwrap_or(""),
    });
    ctx.create(by.manager, event);
}
