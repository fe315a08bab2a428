//! What the compare commands need from a cluster, as a small trait so they
//! do not depend on how clusters are reached (the kube adapter in
//! `crate::cluster` implements it; tests use fixture objects).

use std::collections::HashMap;
use std::future::Future;

use serde_json::Value;

use crate::model::Destination;

/// Finds the cluster an app's destination names.
pub trait LiveSources {
    type Source: LiveSource;

    /// The cluster for `destination`, or why there is none (unknown
    /// context, ambiguous destination, ...).
    fn resolve(&self, destination: &Destination) -> Result<Self::Source, String>;
}

/// One cluster, read once.
pub trait LiveSource {
    /// `name (server)`, for the app summary.
    fn label(&self) -> String;

    /// Every served kind and whether it is namespaced, by (group, kind).
    fn scopes(&self) -> impl Future<Output = Result<HashMap<(String, String), bool>, String>>;

    /// The objects of these kinds (kinds the cluster does not serve are
    /// skipped), in every namespace.
    fn list_live(
        &self,
        kinds: &[(String, String)],
    ) -> impl Future<Output = Result<Vec<Value>, String>>;

    /// The object a server-side apply of `object` would produce (a dry run
    /// with field manager `plumb`).
    fn dry_run_apply(&self, object: &Value) -> impl Future<Output = Result<Value, String>>;
}
