//! The scheduler and the kubelets of the simulated nodes: bind pending pods
//! to a node, then report their status and events as time passes.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::NODES;
use super::context::Ctx;
use super::events::{self, Happening, SCHEDULER};
use super::pod_status::{
    Behaviour, START_DELAY, behaviour_of, containers, crash_time, full_image, latest_crash,
    long_running, pod_status,
};
use super::util::{at, created_at, is_deleting, plus_secs, str_at, uid_of};
use crate::model::{name_of, namespace_of};

pub fn reconcile(ctx: &mut Ctx<'_>) {
    let pods = ctx.list("", "Pod");
    let mut load = [0usize; NODES.len()];
    for pod in &pods {
        if let Some(i) = node_index(pod) {
            load[i] += 1;
        }
    }
    for pod in pods {
        if is_deleting(pod) {
            finish_termination(ctx, pod);
            continue;
        }
        match node_index(pod) {
            Some(i) => run_on_node(ctx, pod, i),
            None if str_at(pod, &["spec", "nodeName"]).is_empty() => schedule(ctx, pod, &mut load),
            // Bound to a node the sandbox does not have: it stays Pending, as it would.
            None => {}
        }
    }
}

/// A pod marked for graceful deletion: its containers stop at once, and the
/// kubelet confirms the deletion once no finalizer holds the pod.
fn finish_termination(ctx: &mut Ctx<'_>, pod: &Value) {
    let held = at(pod, &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if !held {
        ctx.confirm_deletion(pod);
    }
}

fn node_index(pod: &Value) -> Option<usize> {
    let node = str_at(pod, &["spec", "nodeName"]);
    NODES.iter().position(|n| *n == node)
}

/// The node a pod is pinned to by required node affinity on `metadata.name`
/// (how DaemonSet pods target their node).
fn pinned_node(pod: &Value) -> Option<usize> {
    let terms = at(
        pod,
        &[
            "spec",
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ],
    )?
    .as_array()?;
    terms.iter().find_map(|term| {
        let fields = term.get("matchFields")?.as_array()?;
        fields.iter().find_map(|f| {
            let wanted = f.get("values")?.as_array()?.first()?.as_str()?;
            (str_at(f, &["key"]) == "metadata.name")
                .then(|| NODES.iter().position(|n| *n == wanted))
                .flatten()
        })
    })
}

fn schedule(ctx: &mut Ctx<'_>, pod: &Value, load: &mut [usize; NODES.len()]) {
    let chosen = pinned_node(pod).unwrap_or_else(|| {
        (0..NODES.len())
            .min_by_key(|i| (load[*i], *i))
            .unwrap_or_default()
    });
    let mut bound = pod.clone();
    bound["spec"]["nodeName"] = json!(NODES[chosen]);
    if ctx.update(SCHEDULER.manager, bound) {
        load[chosen] += 1;
        let message = format!(
            "Successfully assigned {}/{} to {}",
            namespace_of(pod),
            name_of(pod),
            NODES[chosen]
        );
        events::emit(
            ctx,
            pod,
            SCHEDULER,
            Happening::normal("Scheduled", &message),
        );
    }
}

fn run_on_node(ctx: &mut Ctx<'_>, pod: &Value, node: usize) {
    let now = ctx.now;
    let (status, next_change) = pod_status(pod, node, now);
    if let Some(t) = next_change {
        ctx.wake_at(t);
    }
    let kubelet = events::kubelet(NODES[node]);
    ctx.update_status(kubelet.manager, pod, status);
    record_container_events(ctx, pod, node, now);
}

/// The kubelet's events for each container: those whose moment has come.
fn record_container_events(ctx: &mut Ctx<'_>, pod: &Value, node: usize, now: Timestamp) {
    let start = plus_secs(created_at(pod, now), START_DELAY);
    if now < start {
        return;
    }
    let kubelet = events::kubelet(NODES[node]);
    for (container, init) in containers(pod) {
        let name = str_at(container, &["name"]);
        let image = str_at(container, &["image"]);
        let once = |ctx: &mut Ctx<'_>, what: Happening<'_>, key: &str| {
            let key = format!("{name}/{key}");
            events::observe(
                ctx,
                pod,
                kubelet,
                what.on_container(name),
                &key,
                1,
                start,
                start,
            );
        };
        once(
            ctx,
            Happening::normal("Pulling", &format!("Pulling image \"{image}\"")),
            "pulling",
        );
        let behaviour = behaviour_of(image);
        if behaviour == Behaviour::PullFails {
            let full = full_image(image);
            let failed = format!(
                "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
            );
            once(ctx, Happening::warning("Failed", &failed), "pull-failed");
            once(
                ctx,
                Happening::warning("Failed", "Error: ErrImagePull"),
                "err-pull",
            );
            let backoff = format!("Back-off pulling image \"{image}\"");
            once(ctx, Happening::normal("BackOff", &backoff), "pull-backoff");
            once(
                ctx,
                Happening::warning("Failed", "Error: ImagePullBackOff"),
                "err-backoff",
            );
            continue;
        }
        let pulled =
            format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting)");
        once(ctx, Happening::normal("Pulled", &pulled), "pulled");
        once(
            ctx,
            Happening::normal("Created", &format!("Created container: {name}")),
            "created",
        );
        once(
            ctx,
            Happening::normal("Started", &format!("Started container: {name}")),
            "started",
        );
        if behaviour == Behaviour::Crashes && long_running(pod) && !init {
            let Some(k) = latest_crash(start, now) else {
                continue;
            };
            let message = format!(
                "Back-off restarting failed container {name} in pod {}_{}({})",
                name_of(pod),
                namespace_of(pod),
                uid_of(pod)
            );
            let what = Happening::warning("BackOff", &message).on_container(name);
            let key = format!("{name}/crash-backoff");
            let last = crash_time(start, k);
            events::observe(ctx, pod, kubelet, what, &key, k + 1, start, last);
        }
    }
}
