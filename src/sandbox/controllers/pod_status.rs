//! The kubelet's view of a pod as a pure function of time: what its status is
//! at a moment, from its spec and creation time, and when it next changes.
//!
//! Images choose the outcome through marker words, whole words of the image
//! reference (delimited by `/ : - . _ @` or its ends): `pullerror` or
//! `does-not-exist` never pull, `crashloop` or `fail` exit with code 1,
//! anything else runs (and, for pods that do not restart, completes with
//! code 0). `failover-proxy` carries no marker.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::util::{at, created_at, go_duration, hash_parts, plus_secs, str_at, time_value, uid_of};
use crate::model::{name_of, namespace_of};

/// Seconds from creation until containers run (pull, create, start).
pub const START_DELAY: i64 = 2;
/// Seconds a run-to-completion container runs before it exits.
pub const RUN_SECONDS: i64 = 3;
/// The longest crash back-off, as in the kubelet.
const MAX_BACKOFF: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Runs,
    Crashes,
    PullFails,
}

/// Whether `marker` (itself possibly hyphenated) appears in `image` as whole
/// words between reference delimiters.
fn has_marker(image: &str, marker: &str) -> bool {
    let delimiter = |c: char| matches!(c, '/' | ':' | '-' | '.' | '_' | '@');
    image.match_indices(marker).any(|(at, _)| {
        let before = image[..at].chars().next_back();
        let after = image[at + marker.len()..].chars().next();
        before.is_none_or(delimiter) && after.is_none_or(delimiter)
    })
}

pub fn behaviour_of(image: &str) -> Behaviour {
    if has_marker(image, "pullerror") || has_marker(image, "does-not-exist") {
        Behaviour::PullFails
    } else if has_marker(image, "crashloop") || has_marker(image, "fail") {
        Behaviour::Crashes
    } else {
        Behaviour::Runs
    }
}

/// Whether the pod's containers are restarted forever (restartPolicy Always).
pub fn long_running(pod: &Value) -> bool {
    matches!(str_at(pod, &["spec", "restartPolicy"]), "" | "Always")
}

/// The back-off after the k-th crash: 10s doubling up to 5m.
pub fn backoff_after(k: i64) -> i64 {
    if k >= 5 {
        MAX_BACKOFF
    } else {
        (10 << k).min(MAX_BACKOFF)
    }
}

/// The time of the k-th crash of a crash-looping container started at `start`.
pub fn crash_time(start: Timestamp, k: i64) -> Timestamp {
    let mut offset = 0;
    for i in 0..k.min(5) {
        offset += backoff_after(i);
    }
    offset += (k - 5).max(0) * MAX_BACKOFF;
    plus_secs(start, offset)
}

/// How many crashes have happened by `now` (0-based index of the latest), if any.
pub fn latest_crash(start: Timestamp, now: Timestamp) -> Option<i64> {
    if now < start {
        return None;
    }
    let mut k = 0;
    while crash_time(start, k + 1) <= now {
        k += 1;
        if k >= 5 {
            let elapsed = now.duration_since(crash_time(start, 5)).as_secs();
            return Some(5 + elapsed / MAX_BACKOFF);
        }
    }
    Some(k)
}

/// The registry-qualified image reference a container runtime reports.
pub fn full_image(image: &str) -> String {
    let (first, rest) = image.split_once('/').unwrap_or(("", image));
    let qualified = if first.is_empty() {
        format!("docker.io/library/{image}")
    } else if first.contains('.') || first.contains(':') || first == "localhost" {
        image.to_owned()
    } else {
        format!("docker.io/{first}/{rest}")
    };
    let last = qualified.rsplit('/').next().unwrap_or("");
    if last.contains(':') || last.contains('@') {
        qualified
    } else {
        format!("{qualified}:latest")
    }
}

fn hex64(parts: &[&str]) -> String {
    (0..4)
        .map(|i| format!("{:016x}", hash_parts(&[&parts.join("/"), &i.to_string()])))
        .collect()
}

fn image_id(image: &str) -> String {
    let full = full_image(image);
    let repo = full.rsplit_once(':').map_or(full.as_str(), |(r, _)| r);
    format!("{repo}@sha256:{}", hex64(&[image]))
}

/// The pod's containers (init containers first), with whether each is an init container.
pub fn containers(pod: &Value) -> Vec<(&Value, bool)> {
    let list = |field: &str| {
        at(pod, &["spec", field])
            .and_then(Value::as_array)
            .map(|v| v.iter().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let init = list("initContainers").into_iter().map(|c| (c, true));
    let main = list("containers").into_iter().map(|c| (c, false));
    init.chain(main).collect()
}

/// One container's state at a moment.
struct ContainerView {
    status: Value,
    ready: bool,
    /// Exit code once it has terminated for good.
    exit: Option<i64>,
    pull_failed: bool,
    next_change: Option<Timestamp>,
}

fn container_view(pod: &Value, container: &Value, init: bool, now: Timestamp) -> ContainerView {
    let name = str_at(container, &["name"]);
    let image = str_at(container, &["image"]);
    let t0 = created_at(pod, now);
    let start = plus_secs(t0, START_DELAY);
    let id = |run: i64| {
        format!(
            "containerd://{}",
            hex64(&[uid_of(pod), name, &run.to_string()])
        )
    };
    let mut status = json!({
        "name": name,
        "image": full_image(image),
        "imageID": "",
        "ready": false,
        "restartCount": 0,
        "started": false,
        "state": {"waiting": {"reason": "ContainerCreating"}},
        "lastState": {},
    });
    let view = |status: Value, ready, exit, pull_failed, next_change| ContainerView {
        status,
        ready,
        exit,
        pull_failed,
        next_change,
    };
    if now < start {
        return view(status, false, None, false, Some(start));
    }
    let behaviour = behaviour_of(image);
    if behaviour == Behaviour::PullFails {
        status["state"] = json!({"waiting": {
            "reason": "ImagePullBackOff",
            "message": format!("Back-off pulling image \"{image}\""),
        }});
        return view(status, false, None, true, None);
    }
    status["imageID"] = json!(image_id(image));
    let restarts_forever = long_running(pod) && !init;
    if behaviour == Behaviour::Crashes && restarts_forever {
        let k = latest_crash(start, now).unwrap_or(0);
        let crashed = crash_time(start, k);
        status["restartCount"] = json!(k);
        status["state"] = json!({"waiting": {
            "reason": "CrashLoopBackOff",
            "message": format!(
                "back-off {} restarting failed container={name} pod={}_{}({})",
                go_duration(backoff_after(k)),
                name_of(pod),
                namespace_of(pod),
                uid_of(pod),
            ),
        }});
        status["lastState"] = json!({"terminated": {
            "exitCode": 1,
            "reason": "Error",
            "startedAt": time_value(crashed),
            "finishedAt": time_value(crashed),
            "containerID": id(k),
        }});
        status["containerID"] = json!(id(k));
        return view(status, false, None, false, Some(crash_time(start, k + 1)));
    }
    status["containerID"] = json!(id(0));
    if restarts_forever {
        status["state"] = json!({"running": {"startedAt": time_value(start)}});
        status["ready"] = json!(true);
        status["started"] = json!(true);
        return view(status, true, None, false, None);
    }
    let finish = if init {
        start
    } else {
        plus_secs(start, RUN_SECONDS)
    };
    if now < finish {
        status["state"] = json!({"running": {"startedAt": time_value(start)}});
        status["ready"] = json!(true);
        status["started"] = json!(true);
        return view(status, true, None, false, Some(finish));
    }
    let exit = i64::from(behaviour == Behaviour::Crashes);
    status["state"] = json!({"terminated": {
        "exitCode": exit,
        "reason": if exit == 0 { "Completed" } else { "Error" },
        "startedAt": time_value(start),
        "finishedAt": time_value(finish),
        "containerID": id(0),
    }});
    view(status, false, Some(exit), false, None)
}

/// The pod's QoS class from its containers' requests and limits.
pub fn qos_class(pod: &Value) -> &'static str {
    let all = containers(pod);
    let resource = |c: &Value, kind: &str, name: &str| at(c, &["resources", kind, name]).cloned();
    let any_set = all.iter().any(|(c, _)| {
        ["requests", "limits"].iter().any(|kind| {
            at(c, &["resources", kind])
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        })
    });
    if !any_set {
        return "BestEffort";
    }
    let guaranteed = all.iter().all(|(c, _)| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = resource(c, "limits", r);
            let request = resource(c, "requests", r).or_else(|| limit.clone());
            limit.is_some() && request == limit
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn condition(
    kind: &str,
    ok: bool,
    since: Timestamp,
    reason: Option<(&str, Option<String>)>,
) -> Value {
    let mut c = json!({
        "type": kind,
        "status": if ok { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": time_value(since),
    });
    if let Some((reason, message)) = reason {
        c["reason"] = json!(reason);
        if let Some(m) = message {
            c["message"] = json!(m);
        }
    }
    c
}

/// The status the kubelet reports for a scheduled pod at `now`, and when it next changes.
pub fn pod_status(pod: &Value, node_index: usize, now: Timestamp) -> (Value, Option<Timestamp>) {
    let t0 = created_at(pod, now);
    let start = plus_secs(t0, START_DELAY);
    let mut init_statuses = Vec::new();
    let mut main_statuses = Vec::new();
    let mut unready = Vec::new();
    let mut next_change = None::<Timestamp>;
    let (mut pull_failed, mut all_exited, mut any_failed) = (false, true, false);
    for (container, init) in containers(pod) {
        let view = container_view(pod, container, init, now);
        if let Some(t) = view.next_change {
            next_change = Some(next_change.map_or(t, |n| n.min(t)));
        }
        pull_failed |= view.pull_failed;
        if init {
            init_statuses.push(view.status);
            continue;
        }
        if !view.ready {
            unready.push(str_at(container, &["name"]).to_owned());
        }
        match view.exit {
            Some(code) => any_failed |= code != 0,
            None => all_exited = false,
        }
        main_statuses.push(view.status);
    }
    let started = now >= start;
    let finish = plus_secs(start, RUN_SECONDS);
    let phase = if !started || pull_failed {
        "Pending"
    } else if all_exited && !main_statuses.is_empty() {
        if any_failed { "Failed" } else { "Succeeded" }
    } else {
        "Running"
    };
    let unready_reason = match phase {
        "Succeeded" => ("PodCompleted", None),
        "Failed" => ("PodFailed", None),
        _ => (
            "ContainersNotReady",
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        ),
    };
    let ready = unready.is_empty() && phase == "Running";
    let ready_since = match phase {
        "Succeeded" | "Failed" => finish,
        _ if ready => start,
        _ => t0,
    };
    let ready_reason = (!ready).then_some(unready_reason);
    let has_init = !init_statuses.is_empty();
    let initialized = !has_init || started;
    let conditions = vec![
        condition(
            "PodReadyToStartContainers",
            started,
            if started { start } else { t0 },
            None,
        ),
        condition(
            "Initialized",
            initialized,
            if has_init && started { start } else { t0 },
            (!initialized).then_some(("ContainersNotInitialized", None)),
        ),
        condition("Ready", ready, ready_since, ready_reason.clone()),
        condition("ContainersReady", ready, ready_since, ready_reason),
        condition("PodScheduled", true, t0, None),
    ];
    let host_ip = format!("172.18.0.{}", node_index + 2);
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": time_value(t0),
        "containerStatuses": main_statuses,
        "qosClass": qos_class(pod),
    });
    if has_init {
        status["initContainerStatuses"] = json!(init_statuses);
    }
    if started {
        let host = 2 + hash_parts(&[uid_of(pod)]) % 250;
        let ip = format!("10.244.{}.{host}", node_index + 1);
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
    }
    (status, next_change)
}

#[cfg(test)]
mod marker_tests {
    use super::{Behaviour, behaviour_of};

    #[test]
    fn markers_are_whole_words_of_the_image_reference() {
        let cases = [
            ("registry.local/team/crashloop:1", Behaviour::Crashes),
            ("busybox:fail", Behaviour::Crashes),
            ("app-fail@sha256:abc", Behaviour::Crashes),
            ("nginx_fail", Behaviour::Crashes),
            ("failover-proxy:1.0", Behaviour::Runs),
            ("ghcr.io/acme/nofail:2", Behaviour::Runs),
            ("ghcr.io/acme/does-not-exist:1", Behaviour::PullFails),
            ("pullerror", Behaviour::PullFails),
            ("my-pullerrors:1", Behaviour::Runs),
            ("nginx:1.25", Behaviour::Runs),
        ];
        for (image, expected) in cases {
            assert_eq!(behaviour_of(image), expected, "{image}");
        }
    }
}
