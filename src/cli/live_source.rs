//! What the compare commands need from a cluster, as a small trait so they
//! do not depend on how clusters are reached: the kube adapter
//! (`crate::cluster`) implements it here; tests use fixture objects.

use std::collections::HashMap;
use std::future::Future;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::cluster::{ClusterRef, Clusters};
use crate::engine::appset::GeneratedRecord;
use crate::engine::store::Store;
use crate::model::{Destination, group_of, kind_of, name_of, namespace_of};

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

    /// The ApplicationSet-generated spec plumb recorded for `app` at its
    /// first operation, kept in this cluster's state store (none by default).
    fn generated_record(
        &self,
        _app: &str,
    ) -> impl Future<Output = Result<Option<GeneratedRecord>, String>> {
        async { Ok(None) }
    }
}

/// Runs a compare command against the clusters of the kubeconfig (or the
/// sandbox), with the comparison settings of plumb's settings file.
pub(crate) fn with_clusters<T>(
    ctx: &super::context::Context,
    body: impl AsyncFnOnce(&super::get::Env<'_, Clusters>) -> color_eyre::eyre::Result<T>,
) -> color_eyre::eyre::Result<T> {
    let paths = crate::config::Paths::discover()?;
    let settings = super::get::compare_settings()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let clusters = Clusters::discover(&paths).await?;
        let env = super::get::Env {
            workspace: &ctx.workspace,
            root: &ctx.root,
            settings: &settings,
            clusters: &clusters,
        };
        body(&env).await
    })
}

impl LiveSources for Clusters {
    type Source = ClusterRef;

    fn resolve(&self, destination: &Destination) -> Result<ClusterRef, String> {
        Clusters::resolve(self, destination).map_err(|e| e.to_string())
    }
}

impl LiveSource for ClusterRef {
    fn label(&self) -> String {
        let info = self.info();
        format!("{} ({})", info.name, info.server)
    }

    async fn scopes(&self) -> Result<HashMap<(String, String), bool>, String> {
        let served = self.api_resources().await.map_err(|e| e.to_string())?;
        Ok(served
            .iter()
            .map(|info| ((info.group.clone(), info.kind.clone()), info.namespaced))
            .collect())
    }

    async fn list_live(&self, kinds: &[(String, String)]) -> Result<Vec<Value>, String> {
        ClusterRef::list_live(self, kinds, None)
            .await
            .map_err(|e| e.to_string())
    }

    async fn dry_run_apply(&self, object: &Value) -> Result<Value, String> {
        let (group, kind) = (group_of(object), kind_of(object));
        let info = self
            .resource_for(group, kind)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the cluster does not serve {group}/{kind}"))?;
        let resource = info.api_resource();
        let api: Api<DynamicObject> = if info.namespaced {
            Api::namespaced_with(self.client(), namespace_of(object), &resource)
        } else {
            Api::all_with(self.client(), &resource)
        };
        let params = PatchParams::apply("plumb").dry_run().force();
        let applied = api
            .patch(name_of(object), &params, &Patch::Apply(object))
            .await
            .map_err(|e| self.error(e).to_string())?;
        serde_json::to_value(applied).map_err(|e| e.to_string())
    }

    async fn generated_record(&self, app: &str) -> Result<Option<GeneratedRecord>, String> {
        let state = Store::new(self.clone()).load(app).await;
        state.map(|s| s.generated).map_err(|e| e.to_string())
    }
}
