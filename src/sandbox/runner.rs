//! Runs the simulated controllers: after each change and at their wakeups,
//! it asks a reconcile function for actions and applies them through the
//! ordinary write path, so watches see every controller write.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Sandbox;
use super::api::delete::{DeleteOptions, Propagation};
use super::api::{self, State, Target, WriteOptions};
use super::controllers::{self, Action, World};
use super::errors::ApiError;
use crate::model::{ResourceKey, kind_of, namespace_of};

/// Computes the writes controllers make at a point in time.
pub type Reconcile = fn(&dyn World, Timestamp) -> Vec<Action>;
/// When controllers next need to run without any change (e.g. a CronJob).
pub type NextWakeup = fn(&dyn World, Timestamp) -> Option<Timestamp>;

impl World for State {
    fn list(&self, group: &str, kind: &str) -> Vec<&Value> {
        self.store.of_kind(group, kind)
    }

    fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.store.get(key)
    }
}

fn target_of(state: &State, object: &Value, name: Option<String>) -> Result<Target, ApiError> {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let resource = state
        .registry
        .by_api_version(api_version, kind_of(object))
        .cloned()
        .ok_or_else(ApiError::no_such_resource)?;
    let namespace = namespace_of(object);
    Ok(Target {
        namespace: (resource.namespaced && !namespace.is_empty()).then(|| namespace.to_owned()),
        resource,
        name,
        subresource: None,
    })
}

fn apply(state: &mut State, action: Action, now: Timestamp) -> Result<(), ApiError> {
    let opts = |manager: String| WriteOptions {
        field_manager: manager,
        ..WriteOptions::default()
    };
    let name_of = |o: &Value| {
        o.pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match action {
        Action::Create { manager, object } => {
            let target = target_of(state, &object, None)?;
            api::write::create(state, &target, object, &opts(manager), now, false).map(drop)
        }
        Action::Update { manager, object } => {
            let target = target_of(state, &object, name_of(&object))?;
            api::write::update(state, &target, object, &opts(manager), now, false).map(drop)
        }
        Action::UpdateStatus { manager, object } => {
            let mut target = target_of(state, &object, name_of(&object))?;
            target.subresource = Some("status".into());
            api::write::update(state, &target, object, &opts(manager), now, false).map(drop)
        }
        Action::UpdateScale { manager, object } => {
            let target = target_of(state, &object, name_of(&object))?;
            let body = json!({
                "metadata": {"resourceVersion": object.pointer("/metadata/resourceVersion")},
                "spec": {"replicas": object.pointer("/spec/replicas")},
            });
            api::scale::write(state, &target, None, &body, &opts(manager), now).map(drop)
        }
        Action::Delete { key, grace } => {
            let resource = state
                .registry
                .by_kind(&key.group, &key.kind)
                .cloned()
                .ok_or_else(ApiError::no_such_resource)?;
            let target = Target {
                namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
                resource,
                name: Some(key.name.clone()),
                subresource: None,
            };
            let delete = DeleteOptions {
                propagation: Some(Propagation::Background),
                grace_period: grace,
                ..DeleteOptions::default()
            };
            api::delete::delete(state, &target, &delete, &WriteOptions::default(), now).map(drop)
        }
    }
}

/// Rounds one settle may take before giving up on a controller that never
/// stops writing.
const MAX_ROUNDS: usize = 100;

impl Sandbox {
    /// One controller round: reconcile and apply; returns the writes made.
    pub fn reconcile_once(&self, reconcile: Reconcile) -> usize {
        let now = self.clock().now();
        let mut state = self.shared().state();
        let actions = reconcile(&*state, now);
        let mut applied = 0;
        for action in actions {
            match apply(&mut state, action, now) {
                Ok(()) => applied += 1,
                // A stale read or a vanished object: the next round retries.
                Err(e) => tracing::debug!("controller action refused: {e}"),
            }
        }
        drop(state);
        if applied > 0 {
            self.shared().changed.notify_one();
        }
        applied
    }

    /// Rounds until controllers have nothing left to do; returns the writes.
    pub fn settle(&self, reconcile: Reconcile) -> usize {
        let mut total = 0;
        for _ in 0..MAX_ROUNDS {
            let applied = self.reconcile_once(reconcile);
            if applied == 0 {
                break;
            }
            total += applied;
        }
        total
    }

    /// Steps a manual clock and wakes the controller loop.
    pub fn advance(&self, by: SignedDuration) {
        self.clock().advance(by);
        self.shared().changed.notify_one();
    }

    /// Runs the simulated cluster's controllers ([`controllers::reconcile`])
    /// in the background on this sandbox's clock, until the handle is aborted.
    pub fn spawn_cluster_controllers(&self) -> tokio::task::JoinHandle<()> {
        self.spawn_controllers(controllers::reconcile, controllers::next_wakeup)
    }

    /// Runs controllers in the background: after every change, and at the
    /// wakeup they ask for (checked against the sandbox clock).
    pub fn spawn_controllers(
        &self,
        reconcile: Reconcile,
        next_wakeup: NextWakeup,
    ) -> tokio::task::JoinHandle<()> {
        let sandbox = self.clone();
        tokio::spawn(async move {
            loop {
                sandbox.settle(reconcile);
                let now = sandbox.clock().now();
                let wakeup = next_wakeup(&*sandbox.shared().state(), now);
                let wait = wakeup.map(|at| {
                    let secs = at.duration_since(now).as_secs_f64().max(0.0);
                    Duration::from_secs_f64(secs)
                });
                let changed = sandbox.shared().changed.notified();
                match wait {
                    Some(d) => {
                        tokio::select! {
                            () = changed => {}
                            () = tokio::time::sleep(d) => {}
                        }
                    }
                    None => changed.await,
                }
            }
        })
    }
}
