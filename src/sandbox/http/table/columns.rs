//! Column definitions per built-in kind, as the real server's printers
//! declare them.

use super::{Column, col};

pub(super) const CONTAINERS: Column = col(
    "Containers",
    "string",
    1,
    "Names of each container in the template.",
);
pub(super) const IMAGES: Column = col(
    "Images",
    "string",
    1,
    "Images referenced by each container in the template.",
);
const SELECTOR: Column = col(
    "Selector",
    "string",
    1,
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
);
pub(super) const NAME: Column = col("Name", "name", 0, "");
pub(super) const AGE: Column = col("Age", "string", 0, "");

pub(super) fn builtin_columns(kind: &str) -> Vec<Column> {
    let c = |name, priority| col(name, "string", priority, "");
    let i = |name| col(name, "integer", 0, "");
    match kind {
        "Deployment" => vec![
            NAME,
            c("Ready", 0),
            c("Up-to-date", 0),
            c("Available", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        "ReplicaSet" => vec![
            NAME,
            i("Desired"),
            i("Current"),
            i("Ready"),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        "StatefulSet" => vec![NAME, c("Ready", 0), AGE, CONTAINERS, IMAGES],
        "DaemonSet" => vec![
            NAME,
            i("Desired"),
            i("Current"),
            i("Ready"),
            i("Up-to-date"),
            i("Available"),
            c("Node Selector", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        "Pod" => vec![
            NAME,
            c("Ready", 0),
            c("Status", 0),
            c("Restarts", 0),
            AGE,
            c("IP", 1),
            c("Node", 1),
            c("Nominated Node", 1),
            c("Readiness Gates", 1),
        ],
        "Service" => vec![
            NAME,
            c("Type", 0),
            c("Cluster-IP", 0),
            c("External-IP", 0),
            c("Port(s)", 0),
            AGE,
            c("Selector", 1),
        ],
        "ConfigMap" => vec![NAME, i("Data"), AGE],
        "Secret" => vec![NAME, c("Type", 0), i("Data"), AGE],
        "Namespace" => vec![NAME, c("Status", 0), AGE],
        "ServiceAccount" => vec![NAME, c("Secrets", 0), AGE],
        "PersistentVolumeClaim" => vec![
            NAME,
            c("Status", 0),
            c("Volume", 0),
            c("Capacity", 0),
            c("Access Modes", 0),
            c("StorageClass", 0),
            c("VolumeAttributesClass", 0),
            AGE,
            c("VolumeMode", 1),
        ],
        "Endpoints" => vec![NAME, c("Endpoints", 0), AGE],
        "Job" => vec![
            NAME,
            c("Status", 0),
            c("Completions", 0),
            c("Duration", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        "CronJob" => vec![
            NAME,
            c("Schedule", 0),
            c("Timezone", 0),
            c("Suspend", 0),
            i("Active"),
            c("Last Schedule", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        "Ingress" => vec![
            NAME,
            c("Class", 0),
            c("Hosts", 0),
            c("Address", 0),
            c("Ports", 0),
            AGE,
        ],
        "NetworkPolicy" => vec![NAME, c("Pod-Selector", 0), AGE],
        "HorizontalPodAutoscaler" => vec![
            NAME,
            c("Reference", 0),
            c("Targets", 0),
            c("MinPods", 0),
            i("MaxPods"),
            i("Replicas"),
            AGE,
        ],
        "PodDisruptionBudget" => vec![
            NAME,
            c("Min Available", 0),
            c("Max Unavailable", 0),
            i("Allowed Disruptions"),
            AGE,
        ],
        "RoleBinding" | "ClusterRoleBinding" => vec![
            NAME,
            c("Role", 0),
            AGE,
            c("Users", 1),
            c("Groups", 1),
            c("ServiceAccounts", 1),
        ],
        "Lease" => vec![NAME, c("Holder", 0), AGE],
        "Event" => vec![
            c("Last Seen", 0),
            c("Type", 0),
            c("Reason", 0),
            c("Object", 0),
            c("Message", 0),
        ],
        _ => vec![NAME, AGE],
    }
}
