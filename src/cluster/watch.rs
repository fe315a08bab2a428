//! One kind's watcher: find the kind (waiting for its CRD if need be), then
//! list and watch it across all namespaces, forever, with backoff.

use std::sync::Arc;

use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, DefaultBackoff, Event};

use super::cache::{GroupKind, Shared};
use super::cluster_ref::ClusterRef;
use super::discovery::ApiResourceInfo;
use super::error::ClusterError;
use super::live::to_json;

/// Runs until aborted.
pub(crate) async fn watch_kind(cluster: ClusterRef, kind: GroupKind, shared: Arc<Shared>) {
    let info = find_kind(&cluster, &kind, &shared).await;
    let api: Api<DynamicObject> = Api::all_with(cluster.client(), &info.api_resource());
    let mut events = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => shared.relist_started(&kind),
            Ok(Event::InitApply(object)) => shared.relisted_object(&kind, to_json(object, &info)),
            Ok(Event::InitDone) => shared.relisted(&kind),
            Ok(Event::Apply(object)) => shared.applied(&kind, to_json(object, &info)),
            Ok(Event::Delete(object)) => shared.deleted(&kind, &to_json(object, &info)),
            Err(error) => {
                let error = cluster.caller().watch_error(error);
                tracing::warn!(cluster = %cluster.info().name, group = %kind.0, kind = %kind.1, %error, "watch failed; retrying with backoff");
                shared.failed(&kind, error);
            }
        }
    }
}

/// Waits until the cluster serves the kind with list and watch, retrying
/// discovery with backoff (an app may create the CRD later).
async fn find_kind(cluster: &ClusterRef, kind: &GroupKind, shared: &Shared) -> ApiResourceInfo {
    let mut backoff = DefaultBackoff::default();
    loop {
        let (group, name) = kind;
        match cluster.resource_for(group, name).await {
            Ok(Some(info)) if info.supports("list") && info.supports("watch") => return info,
            Ok(Some(_)) => shared.failed(
                kind,
                ClusterError::Request {
                    cluster: cluster.info().name.clone(),
                    message: format!("kind {name} in group '{group}' cannot be listed and watched"),
                },
            ),
            Ok(None) => shared.not_served(kind),
            Err(error) => shared.failed(kind, error),
        }
        if let Some(delay) = backoff.next() {
            tokio::time::sleep(delay).await;
        }
    }
}
