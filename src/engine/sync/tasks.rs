//! Sync tasks (§1.1, §2.3, §3): one per resource (Sync phase) or per hook
//! phase, built once when the operation starts.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::hooks::{
    Classification, HookDeletePolicy, SyncPhase, classify, delete_policies, generated_hook_name,
};
use super::ordering::{sort_tasks, wave_of};
use super::prune::{apply_prune_last, reverse_prune_waves};
use super::request::{Resource, SyncRequest};
use crate::engine::health::HOOK_FINALIZER;
use crate::engine::policy::ResourceOptions;
use crate::model::{ResourceKey, group_of, kind_of, set_annotation, set_label};

/// A task's progress (`hookPhase` in Argo CD's result list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Error,
}

/// Per-resource result codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultCode {
    Synced,
    SyncFailed,
    Pruned,
    PruneSkipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncTask {
    pub key: ResourceKey,
    pub phase: SyncPhase,
    pub wave: i32,
    /// `Some(policies)` for hooks.
    pub hook: Option<Vec<HookDeletePolicy>>,
    /// The object to apply; `None` for a prune.
    pub target: Option<Value>,
    /// The live object when the operation started.
    pub live: Option<Value>,
    pub modified: bool,
    /// Why the task may not run (project permission).
    pub invalid: Option<String>,
    /// Skip the dry-run when the API server does not know the kind.
    pub skip_dry_run_if_kind_unknown: bool,
    pub state: TaskState,
    pub result: Option<ResultCode>,
    pub message: String,
}

impl SyncTask {
    fn new(key: ResourceKey, phase: SyncPhase, target: Option<Value>, live: Option<Value>) -> Self {
        let wave = target.as_ref().or(live.as_ref()).map_or(0, wave_of);
        SyncTask {
            key,
            phase,
            wave,
            hook: None,
            target,
            live,
            modified: true,
            invalid: None,
            skip_dry_run_if_kind_unknown: false,
            state: TaskState::Pending,
            result: None,
            message: String::new(),
        }
    }

    pub fn is_prune(&self) -> bool {
        self.target.is_none()
    }
    pub fn is_hook(&self) -> bool {
        self.hook.is_some()
    }
    pub fn has_policy(&self, policy: HookDeletePolicy) -> bool {
        self.hook.as_ref().is_some_and(|p| p.contains(&policy))
    }
    pub fn pending(&self) -> bool {
        self.state == TaskState::Pending
    }
    pub fn running(&self) -> bool {
        self.state == TaskState::Running
    }
    pub fn completed(&self) -> bool {
        matches!(
            self.state,
            TaskState::Succeeded | TaskState::Failed | TaskState::Error
        )
    }
    pub fn successful(&self) -> bool {
        self.state == TaskState::Succeeded
    }

    /// Options from the target's and the live object's annotations.
    pub fn options(&self) -> TaskOptions {
        TaskOptions {
            target: ResourceOptions::of(self.target.as_ref()),
            live: ResourceOptions::of(self.live.as_ref()),
        }
    }

    /// `<group>/<kind>/<name>` as Argo CD's messages print it.
    pub fn path(&self) -> String {
        format!("{}/{}/{}", self.key.group, self.key.kind, self.key.name)
    }

    pub(super) fn set(&mut self, result: Option<ResultCode>, state: TaskState, message: &str) {
        self.result = result;
        self.state = state;
        if !message.is_empty() {
            self.message = message.to_owned();
        }
    }
}

/// The sync options of a task's target and live objects.
#[derive(Debug, Clone)]
pub struct TaskOptions {
    pub target: ResourceOptions,
    pub live: ResourceOptions,
}

impl TaskOptions {
    /// `Prune=false` decides on the live object (the one being pruned).
    pub fn prune_disabled(&self) -> bool {
        self.live.prune_disabled()
    }
    pub fn prune_confirm(&self) -> bool {
        self.live.prune_confirm()
    }
    pub fn prune_last(&self) -> bool {
        self.live.prune_last()
    }
    pub fn replace(&self) -> bool {
        self.target.replace() || self.live.replace()
    }
    pub fn force(&self) -> bool {
        self.target.force() || self.live.force()
    }
}

/// Builds, orders and names every task of an operation.
pub fn build_tasks(
    dest_namespace: &str,
    request: &SyncRequest,
    resources: Vec<Resource>,
    create_namespace: bool,
) -> Vec<SyncTask> {
    let targets: Vec<Value> = resources.iter().filter_map(|r| r.target.clone()).collect();
    let mut tasks = Vec::new();
    for resource in resources {
        if let Some(selected) = &request.resources
            && !selected.contains(&resource.key)
        {
            continue;
        }
        let Some(obj) = resource.target.as_ref().or(resource.live.as_ref()) else {
            continue;
        };
        match classify(obj) {
            Classification::Resource => {
                let mut task = SyncTask::new(
                    resource.key.clone(),
                    SyncPhase::Sync,
                    resource
                        .target
                        .map(|t| with_namespace(t, &resource.key.namespace)),
                    resource.live,
                );
                task.modified = resource.modified;
                task.invalid = resource.permitted.err();
                tasks.push(task);
            }
            Classification::Hook(phases) => {
                let Some(target) = resource.target else {
                    continue;
                };
                if request.skips_hooks() {
                    continue;
                }
                for phase in phases {
                    let mut task =
                        hook_task(&target, &resource.key, phase, request, dest_namespace);
                    task.invalid = resource.permitted.clone().err();
                    tasks.push(task);
                }
            }
            Classification::Skip | Classification::Ignore | Classification::DeletionHook => {}
        }
    }
    if create_namespace
        && !dest_namespace.is_empty()
        && !defines_namespace(&targets, dest_namespace)
    {
        tasks.push(namespace_task(dest_namespace, request));
    }
    for task in &mut tasks {
        task.skip_dry_run_if_kind_unknown = request.options.skip_dry_run_on_missing_resource
            || task.options().target.skip_dry_run_on_missing_resource()
            || has_crd_for(&targets, &task.key.group, &task.key.kind);
    }
    reverse_prune_waves(&mut tasks);
    apply_prune_last(&mut tasks, request.options.prune_last);
    sort_tasks(&mut tasks, dest_namespace);
    tasks
}

fn with_namespace(mut obj: Value, namespace: &str) -> Value {
    if namespace.is_empty() {
        return obj;
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut)
        && meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
    {
        meta.insert("namespace".into(), Value::String(namespace.to_owned()));
    }
    obj
}

/// A hook's task; a hook without a namespace runs in the destination namespace.
fn hook_task(
    target: &Value,
    key: &ResourceKey,
    phase: SyncPhase,
    request: &SyncRequest,
    dest_namespace: &str,
) -> SyncTask {
    let mut key = key.clone();
    if key.namespace.is_empty() {
        key.namespace = dest_namespace.to_owned();
    }
    let mut obj = with_namespace(target.clone(), &key.namespace);
    let named = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !named {
        let generate_name = obj
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let name =
            generated_hook_name(&generate_name, &request.revision, phase, request.started_at);
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(name.clone()));
        }
        key.name = name;
    }
    add_hook_finalizer(&mut obj);
    let policies = delete_policies(&obj);
    let mut task = SyncTask::new(key, phase, Some(obj), None);
    task.hook = Some(policies);
    task
}

fn add_hook_finalizer(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let finalizers = meta.entry("finalizers").or_insert_with(|| json!([]));
    if !finalizers.is_array() {
        *finalizers = json!([]);
    }
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f.as_str() == Some(HOOK_FINALIZER))
    {
        list.push(Value::String(HOOK_FINALIZER.to_owned()));
    }
}

fn defines_namespace(targets: &[Value], name: &str) -> bool {
    targets.iter().any(|t| {
        group_of(t).is_empty() && kind_of(t) == "Namespace" && crate::model::name_of(t) == name
    })
}

fn has_crd_for(targets: &[Value], group: &str, kind: &str) -> bool {
    targets.iter().any(|t| {
        group_of(t) == "apiextensions.k8s.io"
            && kind_of(t) == "CustomResourceDefinition"
            && t.pointer("/spec/group").and_then(Value::as_str) == Some(group)
            && t.pointer("/spec/names/kind").and_then(Value::as_str) == Some(kind)
    })
}

/// The PreSync task `CreateNamespace=true` adds, with the managed metadata.
fn namespace_task(namespace: &str, request: &SyncRequest) -> SyncTask {
    let mut obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    if let Some(meta) = &request.managed_namespace_metadata {
        for (k, v) in &meta.labels {
            set_label(&mut obj, k, v);
        }
        for (k, v) in &meta.annotations {
            set_annotation(&mut obj, k, v);
        }
    }
    let key = ResourceKey::new("", "Namespace", "", namespace);
    let mut task = SyncTask::new(key, SyncPhase::PreSync, Some(obj), None);
    task.wave = 0;
    task
}
