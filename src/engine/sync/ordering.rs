//! Task order (§1.2–1.4): waves, the kind ranking, and the dependency moves
//! that pull a Namespace or CRD in front of its first user.

use serde_json::Value;

use super::tasks::SyncTask;
use crate::model::{annotation, group_of, kind_of, name_of};

pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
pub const HELM_HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";

/// The wave of an object: `sync-wave`, else `helm.sh/hook-weight`, else 0.
pub fn wave_of(obj: &Value) -> i32 {
    [SYNC_WAVE_ANNOTATION, HELM_HOOK_WEIGHT_ANNOTATION]
        .iter()
        .find_map(|key| annotation(obj, key)?.parse::<i32>().ok())
        .unwrap_or(0)
}

const KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Listed kinds rank negative in list order; every other kind ranks 0. The
/// API group is not considered.
pub fn kind_rank(kind: &str) -> i32 {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i32 - KIND_ORDER.len() as i32)
}

/// Sorts by (phase, wave, kind rank, name), then moves each Namespace and CRD
/// in front of the first earlier task that needs it. Target objects without a
/// namespace count as being in `dest_namespace`.
pub fn sort_tasks(tasks: &mut [SyncTask], dest_namespace: &str) {
    tasks.sort_by(|a, b| {
        (a.phase, a.wave, kind_rank(&a.key.kind), &a.key.name).cmp(&(
            b.phase,
            b.wave,
            kind_rank(&b.key.kind),
            &b.key.name,
        ))
    });
    move_dependencies_forward(tasks, namespace_provided, |t| {
        Some(effective_namespace(t, dest_namespace))
    });
    move_dependencies_forward(tasks, crd_provided, |t| {
        let target = t.target.as_ref()?;
        Some(format!("{}/{}", group_of(target), kind_of(target)))
    });
}

fn effective_namespace(task: &SyncTask, dest_namespace: &str) -> String {
    if task.key.namespace.is_empty() {
        dest_namespace.to_owned()
    } else {
        task.key.namespace.clone()
    }
}

fn namespace_provided(task: &SyncTask) -> Option<String> {
    let target = task.target.as_ref()?;
    (group_of(target).is_empty() && kind_of(target) == "Namespace")
        .then(|| name_of(target).to_owned())
}

fn crd_provided(task: &SyncTask) -> Option<String> {
    let target = task.target.as_ref()?;
    if group_of(target) != "apiextensions.k8s.io" || kind_of(target) != "CustomResourceDefinition" {
        return None;
    }
    let spec = target.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let kind = spec.get("names")?.get("kind")?.as_str()?;
    Some(format!("{group}/{kind}"))
}

/// One forward scan: a task that provides a dependency already used by an
/// earlier task moves just before the first user and takes its phase and wave.
fn move_dependencies_forward(
    tasks: &mut [SyncTask],
    provides: impl Fn(&SyncTask) -> Option<String>,
    needs: impl Fn(&SyncTask) -> Option<String>,
) {
    let mut first_user: Vec<(String, usize)> = Vec::new();
    for i in 0..tasks.len() {
        if tasks[i].target.is_none() {
            continue;
        }
        if let Some(dep) = provides(&tasks[i]) {
            if let Some(&(_, index)) = first_user.iter().find(|(d, _)| *d == dep) {
                let (phase, wave) = (tasks[index].phase, tasks[index].wave);
                tasks[i].phase = phase;
                tasks[i].wave = wave;
                tasks[index..=i].rotate_right(1);
                for (_, idx) in first_user.iter_mut() {
                    if *idx >= index {
                        *idx += 1;
                    }
                }
            }
        } else if let Some(dep) = needs(&tasks[i])
            && !first_user.iter().any(|(d, _)| *d == dep)
        {
            first_user.push((dep, i));
        }
    }
}
