//! Service and Ingress health: waiting for a load balancer address.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{array_at, str_at};
use super::{Health, HealthStatus};

pub(super) fn service_health(obj: &Value) -> CheckResult {
    if str_at(obj, &["spec", "type"]) == "LoadBalancer" {
        return ingress_health(obj);
    }
    Ok(Health::healthy())
}

/// Healthy once `status.loadBalancer.ingress` lists an address.
pub(super) fn ingress_health(obj: &Value) -> CheckResult {
    let status = if array_at(obj, &["status", "loadBalancer", "ingress"]).is_empty() {
        HealthStatus::Progressing
    } else {
        HealthStatus::Healthy
    };
    Ok(Health::new(status, ""))
}
