//! Resource tracking (§5.1–5.2): which app an object belongs to, written as
//! a tracking-id `<instance>:<group>/<kind>:<namespace>/<name>` under plumb's
//! or Argo CD's annotation, or as Argo CD's instance label.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::diff::status::parse_tracking_id;
use crate::model::{
    Application, annotation, group_of, kind_of, label, name_of, namespace_of, set_annotation,
    set_label,
};

pub const PLUMB_TRACKING_ANNOTATION: &str = "plumb.dev/tracking-id";
pub const ARGO_TRACKING_ANNOTATION: &str = "argocd.argoproj.io/tracking-id";
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// Applications here (or without a namespace) use their bare name as instance.
pub const CONTROL_PLANE_NAMESPACE: &str = "argocd";

/// How objects are marked as belonging to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum TrackingMethod {
    /// The annotation `plumb.dev/tracking-id`.
    #[default]
    #[serde(rename = "plumb")]
    Plumb,
    /// Argo CD's annotation `argocd.argoproj.io/tracking-id`.
    #[serde(rename = "argocd-annotation")]
    ArgoAnnotation,
    /// Argo CD's label `app.kubernetes.io/instance` (value: the instance name).
    #[serde(rename = "argocd-label")]
    ArgoLabel,
    /// Argo CD's annotation for tracking, plus the label for information.
    #[serde(rename = "argocd-annotation+label")]
    ArgoAnnotationAndLabel,
}

impl TrackingMethod {
    /// The methods that read tracking differently (annotation+label reads
    /// like annotation).
    pub const DISTINCT: [TrackingMethod; 3] = [
        TrackingMethod::Plumb,
        TrackingMethod::ArgoAnnotation,
        TrackingMethod::ArgoLabel,
    ];

    /// The method this one reads tracking like.
    pub fn index_class(self) -> TrackingMethod {
        match self {
            TrackingMethod::ArgoAnnotationAndLabel => TrackingMethod::ArgoAnnotation,
            other => other,
        }
    }

    /// The annotation holding the tracking-id; `None` in label mode.
    pub fn annotation_key(self) -> Option<&'static str> {
        match self {
            TrackingMethod::Plumb => Some(PLUMB_TRACKING_ANNOTATION),
            TrackingMethod::ArgoAnnotation | TrackingMethod::ArgoAnnotationAndLabel => {
                Some(ARGO_TRACKING_ANNOTATION)
            }
            TrackingMethod::ArgoLabel => None,
        }
    }

    /// The key `diff::status` checks self-reference under. In label mode
    /// every object is self-referenced; no annotation key is empty, so the
    /// empty key is never found and the check passes.
    pub fn self_reference_key(self) -> &'static str {
        self.annotation_key().unwrap_or("")
    }

    fn stamps_label(self) -> bool {
        matches!(
            self,
            TrackingMethod::ArgoLabel | TrackingMethod::ArgoAnnotationAndLabel
        )
    }
}

/// The app's instance name: its name, or `<namespace>_<name>` outside the
/// control-plane namespace.
pub fn instance_name(app: &Application) -> String {
    match app.metadata.namespace.as_deref() {
        None | Some("") | Some(CONTROL_PLANE_NAMESPACE) => app.metadata.name.clone(),
        Some(namespace) => format!("{namespace}_{}", app.metadata.name),
    }
}

/// The display form of an instance name (`team-a/web`).
pub fn qualified_name(instance: &str) -> String {
    instance.replacen('_', "/", 1)
}

/// The tracking-id of `object` for the app `instance`. Cluster-scoped objects
/// (`namespaced == Some(false)`, or no namespace) carry the destination namespace.
pub fn tracking_id(
    instance: &str,
    object: &Value,
    destination_namespace: &str,
    namespaced: Option<bool>,
) -> String {
    let namespace = match (namespaced, namespace_of(object)) {
        (Some(false), _) | (_, "") => destination_namespace,
        (_, namespace) => namespace,
    };
    format!(
        "{instance}:{}/{}:{namespace}/{}",
        group_of(object),
        kind_of(object),
        name_of(object)
    )
}

/// The instance an object is tracked by under `method`, if any.
pub fn tracked_instance(object: &Value, method: TrackingMethod) -> Option<&str> {
    match method.annotation_key() {
        Some(key) => annotation(object, key)
            .and_then(parse_tracking_id)
            .map(|id| id.app),
        None => label(object, INSTANCE_LABEL).filter(|v| !v.is_empty()),
    }
}

fn is_crd(object: &Value) -> bool {
    group_of(object) == "apiextensions.k8s.io" && kind_of(object) == "CustomResourceDefinition"
}

/// Marks a desired object as the app's (CustomResourceDefinitions never are).
pub fn stamp(
    object: &mut Value,
    instance: &str,
    destination_namespace: &str,
    namespaced: Option<bool>,
    method: TrackingMethod,
) {
    if is_crd(object) {
        return;
    }
    if let Some(key) = method.annotation_key() {
        let id = tracking_id(instance, object, destination_namespace, namespaced);
        set_annotation(object, key, &id);
    }
    if method.stamps_label() {
        let value = match method {
            TrackingMethod::ArgoLabel => instance.to_owned(),
            _ => label_value(instance),
        };
        set_label(object, INSTANCE_LABEL, &value);
    }
}

/// The informational label value: at most 63 characters, without trailing
/// non-alphanumerics.
fn label_value(instance: &str) -> String {
    let cut: String = instance.chars().take(63).collect();
    cut.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(name: &str, namespace: Option<&str>) -> Application {
        serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"project": "default"}
        }))
        .unwrap()
    }

    #[test]
    fn t23_tracking_id_format() {
        let guestbook = instance_name(&app("guestbook", Some("argocd")));
        let web = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"}});
        assert_eq!(
            tracking_id(&guestbook, &web, "default", Some(true)),
            "guestbook:apps/Deployment:default/web"
        );
        let reader = json!({"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole", "metadata": {"name": "reader"}});
        assert_eq!(
            tracking_id(&guestbook, &reader, "prod", Some(false)),
            "guestbook:rbac.authorization.k8s.io/ClusterRole:prod/reader"
        );
        let team = instance_name(&app("web", Some("team-a")));
        let service = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "team-a"}});
        assert_eq!(
            tracking_id(&team, &service, "team-a", Some(true)),
            "team-a_web:/Service:team-a/web"
        );
        assert_eq!(qualified_name(&team), "team-a/web");
    }

    #[test]
    fn crds_are_never_stamped_and_labels_follow_the_method() {
        let mut crd = json!({"apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition", "metadata": {"name": "x.example.com"}});
        stamp(
            &mut crd,
            "a",
            "ns",
            Some(false),
            TrackingMethod::ArgoAnnotationAndLabel,
        );
        assert!(crd["metadata"].get("annotations").is_none());
        assert!(crd["metadata"].get("labels").is_none());

        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns"}});
        stamp(&mut cm, "a", "ns", Some(true), TrackingMethod::Plumb);
        assert_eq!(
            annotation(&cm, PLUMB_TRACKING_ANNOTATION),
            Some("a:/ConfigMap:ns/c")
        );
        assert_eq!(tracked_instance(&cm, TrackingMethod::Plumb), Some("a"));
        assert_eq!(tracked_instance(&cm, TrackingMethod::ArgoAnnotation), None);

        let long = format!("{}-x", "a".repeat(62));
        stamp(
            &mut cm,
            &long,
            "ns",
            Some(true),
            TrackingMethod::ArgoAnnotationAndLabel,
        );
        assert_eq!(label(&cm, INSTANCE_LABEL), Some("a".repeat(62).as_str()));
        assert_eq!(
            tracked_instance(&cm, TrackingMethod::ArgoAnnotationAndLabel),
            Some(long.as_str())
        );
    }
}
