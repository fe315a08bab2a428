//! `Status` failures exactly as kube-apiserver writes them.

use serde_json::{Map, Value, json};

use super::resources::Resource;

/// A failed API request: the HTTP code and the `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Box<Value>>,
    /// Seconds for a `Retry-After` header (429 and some 5xx).
    pub retry_after: Option<u64>,
}

/// One entry of `details.causes` in a 422 Invalid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    pub fn invalid(field: &str, value: &str, detail: &str) -> Self {
        Self {
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {value}: {detail}"),
            field: field.to_owned(),
        }
    }

    pub fn required(field: &str) -> Self {
        Self {
            reason: "FieldValueRequired",
            message: "Required value".into(),
            field: field.to_owned(),
        }
    }

    /// The cause as written inside the top-level message: `field: message`.
    fn summary(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

fn details(name: &str, resource: &Resource, kind: &str) -> Value {
    let mut d = Map::new();
    d.insert("name".into(), json!(name));
    if !resource.group.is_empty() {
        d.insert("group".into(), json!(resource.group));
    }
    d.insert("kind".into(), json!(kind));
    Value::Object(d)
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// `configmaps "x" not found`.
    pub fn not_found(resource: &Resource, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", resource.qualified_plural()),
        )
        .with_details(details(name, resource, &resource.plural))
    }

    /// `namespaces "x" not found`, for writes into a missing namespace.
    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        )
        .with_details(json!({"name": namespace, "kind": "namespaces"}))
    }

    /// An unknown path or resource.
    pub fn no_such_resource() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn already_exists(resource: &Resource, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", resource.qualified_plural()),
        )
        .with_details(details(name, resource, &resource.plural))
    }

    /// A write carrying a stale resourceVersion.
    pub fn conflict(resource: &Resource, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                resource.qualified_plural()
            ),
        )
        .with_details(details(name, resource, &resource.plural))
    }

    /// 422 with field causes, message formatted as the real server does
    /// (one cause inline, several in brackets).
    pub fn invalid(resource: &Resource, name: &str, causes: &[Cause]) -> Self {
        let summaries: Vec<String> = causes.iter().map(Cause::summary).collect();
        let listed = if summaries.len() == 1 {
            summaries[0].clone()
        } else {
            format!("[{}]", summaries.join(", "))
        };
        let mut d = details(name, resource, &resource.kind);
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        if let Some(map) = d.as_object_mut() {
            map.insert("causes".into(), Value::Array(causes));
        }
        Self::new(
            422,
            "Invalid",
            format!(
                "{} \"{name}\" is invalid: {listed}",
                resource.qualified_kind()
            ),
        )
        .with_details(d)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// A server-side failure (500), as kube-apiserver reports one.
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {message}"),
        )
        .with_details(json!({"causes": [{"message": message}]}))
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(415, "UnsupportedMediaType", "415: Unsupported Media Type")
            .with_details(json!({}))
    }

    pub fn too_large() -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .with_details(json!({}))
    }

    /// 410 for a watch from a compacted resourceVersion.
    pub fn gone(rv: u64, current: u64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {rv} ({current})"),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// The `Status` body.
    pub fn to_status(&self) -> Value {
        let mut s = Map::new();
        s.insert("kind".into(), json!("Status"));
        s.insert("apiVersion".into(), json!("v1"));
        s.insert("metadata".into(), json!({}));
        s.insert("status".into(), json!("Failure"));
        s.insert("message".into(), json!(self.message));
        s.insert("reason".into(), json!(self.reason));
        if let Some(d) = &self.details {
            s.insert("details".into(), Value::clone(d));
        }
        s.insert("code".into(), json!(self.code));
        Value::Object(s)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::resources::built_in;

    fn res(plural: &str) -> Resource {
        built_in()
            .into_iter()
            .find(|r| r.plural == plural)
            .expect("resource")
    }

    #[test]
    fn not_found_matches_the_recording() {
        let s = ApiError::not_found(&res("configmaps"), "nope").to_status();
        assert_eq!(
            s,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "configmaps \"nope\" not found", "reason": "NotFound",
                "details": {"name": "nope", "kind": "configmaps"}, "code": 404})
        );
    }

    #[test]
    fn invalid_with_two_causes_lists_them_in_brackets() {
        let e = ApiError::invalid(
            &res("deployments"),
            "bad",
            &[
                Cause::required("spec.selector"),
                Cause::invalid("spec.template.metadata.labels", "x", "y"),
            ],
        );
        assert_eq!(e.code, 422);
        assert_eq!(
            e.message,
            "Deployment.apps \"bad\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: x: y]"
        );
        assert_eq!(e.to_status()["details"]["group"], "apps");
    }
}
