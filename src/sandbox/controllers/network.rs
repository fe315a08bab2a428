//! Load balancers: Services of type LoadBalancer get an address from
//! 172.18.255.200-250 shortly after creation; Ingresses get the ingress
//! controller's address.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::context::Ctx;
use super::events::{self, Happening, INGRESS, SERVICE};
use super::util::{at, created_at, is_deleting, plus_secs, str_at};

/// Seconds until a load balancer address is published.
pub const LB_DELAY: i64 = 1;
/// The address the simulated ingress controller is reachable at.
pub const INGRESS_IP: &str = "172.18.255.199";

pub fn reconcile(ctx: &mut Ctx<'_>) {
    services(ctx);
    ingresses(ctx);
}

fn published(obj: &Value) -> bool {
    at(obj, &["status", "loadBalancer", "ingress"])
        .and_then(Value::as_array)
        .is_some_and(|i| !i.is_empty())
}

fn services(ctx: &mut Ctx<'_>) {
    let all = ctx.list("", "Service");
    let mut used: HashSet<String> = all
        .iter()
        .flat_map(|s| {
            at(s, &["status", "loadBalancer", "ingress"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .map(|i| str_at(i, &["ip"]).to_owned())
        .collect();
    for service in all {
        if is_deleting(service) {
            continue;
        }
        let is_lb = str_at(service, &["spec", "type"]) == "LoadBalancer";
        if !is_lb {
            if published(service) {
                ctx.update_status(SERVICE.manager, service, json!({"loadBalancer": {}}));
            }
            continue;
        }
        if published(service) {
            continue;
        }
        let due = plus_secs(created_at(service, ctx.now), LB_DELAY);
        if ctx.now < due {
            ctx.wake_at(due);
            continue;
        }
        let Some(ip) = (200..=250)
            .map(|n| format!("172.18.255.{n}"))
            .find(|ip| !used.contains(ip))
        else {
            events::emit(
                ctx,
                service,
                SERVICE,
                Happening::warning(
                    "AllocationFailed",
                    "Failed to allocate IP: no available IPs",
                ),
            );
            continue;
        };
        let status = json!({"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}});
        if ctx.update_status(SERVICE.manager, service, status) {
            used.insert(ip);
            events::emit(
                ctx,
                service,
                SERVICE,
                Happening::normal("EnsuringLoadBalancer", "Ensuring load balancer"),
            );
            events::emit(
                ctx,
                service,
                SERVICE,
                Happening::normal("EnsuredLoadBalancer", "Ensured load balancer"),
            );
        }
    }
}

fn ingresses(ctx: &mut Ctx<'_>) {
    for ingress in ctx.list("networking.k8s.io", "Ingress") {
        if is_deleting(ingress) || published(ingress) {
            continue;
        }
        let due = plus_secs(created_at(ingress, ctx.now), LB_DELAY);
        if ctx.now < due {
            ctx.wake_at(due);
            continue;
        }
        let status = json!({"loadBalancer": {"ingress": [{"ip": INGRESS_IP}]}});
        if ctx.update_status(INGRESS.manager, ingress, status) {
            events::emit(
                ctx,
                ingress,
                INGRESS,
                Happening::normal("Sync", "Scheduled for sync"),
            );
        }
    }
}
