//! Hook naming, classification, delete policies, and when hooks are skipped (T5, T6).

mod sync_support;

use plumb::engine::sync::{
    Classification, HookDeletePolicy, Resource, Strategy, SyncPhase, classify, delete_policies,
    generated_hook_name,
};
use sync_support::*;

#[test]
fn t5_hook_names_from_generate_name() {
    let mut req = request();
    req.revision = "0123456789abcdef".into();
    let op = start(
        vec![Resource::desired(job_hook("db-", "PreSync,PostSync", None))],
        req,
    );
    let names: Vec<&str> = op.tasks.iter().map(|t| t.key.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "db-0123456-presync-1700000000",
            "db-0123456-postsync-1700000000"
        ]
    );
    let applied_name = op.tasks[0]
        .target
        .as_ref()
        .and_then(|t| t.pointer("/metadata/name"));
    assert_eq!(
        applied_name.and_then(|n| n.as_str()),
        Some("db-0123456-presync-1700000000")
    );
    assert_eq!(
        generated_hook_name("db-", "abc", SyncPhase::PreSync, ts(1_700_000_000)),
        "db-abc-presync-1700000000"
    );
    assert_eq!(
        generated_hook_name("db-", "abcdefgh", SyncPhase::SyncFail, ts(1_700_000_000)),
        "db-abcdefg-syncfail-1700000000"
    );
}

#[test]
fn hooks_carry_the_hook_finalizer() {
    let op = start(
        vec![Resource::desired(job_hook("db-", "PreSync", None))],
        request(),
    );
    let finalizers = op.tasks[0]
        .target
        .as_ref()
        .and_then(|t| t.pointer("/metadata/finalizers"));
    assert_eq!(
        finalizers,
        Some(&serde_json::json!(["argocd.argoproj.io/hook-finalizer"]))
    );
}

#[test]
fn t6_hook_classification() {
    let helm = |value: &str| object("batch/v1", "Job", "app", "j", &[("helm.sh/hook", value)]);
    let pre = helm("pre-install,pre-upgrade");
    assert_eq!(
        classify(&pre),
        Classification::Hook(vec![SyncPhase::PreSync])
    );
    assert_eq!(
        delete_policies(&pre),
        [HookDeletePolicy::BeforeHookCreation]
    );
    assert_eq!(classify(&helm("crd-install")), Classification::Resource);
    assert_eq!(classify(&helm("test-success")), Classification::Ignore);
    let skip = object(
        "v1",
        "ConfigMap",
        "app",
        "s",
        &[("argocd.argoproj.io/hook", "Skip")],
    );
    assert_eq!(classify(&skip), Classification::Skip);
    let both = object(
        "batch/v1",
        "Job",
        "app",
        "j",
        &[
            ("argocd.argoproj.io/hook", "PostSync"),
            ("helm.sh/hook", "pre-install"),
        ],
    );
    assert_eq!(
        classify(&both),
        Classification::Hook(vec![SyncPhase::PostSync])
    );
    let skip_pre = object(
        "batch/v1",
        "Job",
        "app",
        "j",
        &[("argocd.argoproj.io/hook", "Skip,PreSync")],
    );
    assert_eq!(
        classify(&skip_pre),
        Classification::Hook(vec![SyncPhase::PreSync])
    );
    let unknown = object(
        "batch/v1",
        "Job",
        "app",
        "j",
        &[("argocd.argoproj.io/hook", "Foo")],
    );
    assert_eq!(classify(&unknown), Classification::Ignore);
    let delete_only = object(
        "batch/v1",
        "Job",
        "app",
        "j",
        &[("argocd.argoproj.io/hook", "PreDelete")],
    );
    assert_eq!(classify(&delete_only), Classification::DeletionHook);
}

#[test]
fn t6_ignored_skipped_and_deletion_hooks_get_no_task() {
    let resources = vec![
        Resource::desired(object(
            "batch/v1",
            "Job",
            "app",
            "t",
            &[("helm.sh/hook", "test-success")],
        )),
        Resource::desired(object(
            "v1",
            "ConfigMap",
            "app",
            "s",
            &[("argocd.argoproj.io/hook", "Skip")],
        )),
        Resource::desired(object(
            "batch/v1",
            "Job",
            "app",
            "d",
            &[("argocd.argoproj.io/hook", "PostDelete")],
        )),
        Resource::desired(object(
            "batch/v1",
            "Job",
            "app",
            "crd",
            &[("helm.sh/hook", "crd-install")],
        )),
    ];
    let op = start(resources, request());
    let names: Vec<&str> = op.tasks.iter().map(|t| t.key.name.as_str()).collect();
    assert_eq!(names, ["crd"]);
    assert!(!op.tasks[0].is_hook());
}

#[test]
fn delete_policies_merge_argo_and_helm() {
    let obj = object(
        "batch/v1",
        "Job",
        "app",
        "j",
        &[
            ("argocd.argoproj.io/hook-delete-policy", "HookSucceeded"),
            (
                "helm.sh/hook-delete-policy",
                "hook-failed,before-hook-creation",
            ),
        ],
    );
    assert_eq!(
        delete_policies(&obj),
        [
            HookDeletePolicy::HookSucceeded,
            HookDeletePolicy::HookFailed,
            HookDeletePolicy::BeforeHookCreation
        ]
    );
}

#[test]
fn hooks_are_skipped_for_apply_strategy_selective_sync_and_self_heal() {
    let resources = || {
        vec![
            Resource::desired(job_hook("db-", "PreSync", None)),
            Resource::desired(cm("cfg", 0)),
        ]
    };
    let hook_count = |req| {
        start(resources(), req)
            .tasks
            .iter()
            .filter(|t| t.is_hook())
            .count()
    };
    assert_eq!(hook_count(request()), 1);
    let mut apply = request();
    apply.strategy = Strategy::Apply;
    assert_eq!(hook_count(apply), 0);
    let mut selective = request();
    selective.resources = Some(vec![key("", "ConfigMap", "app", "cfg")]);
    assert_eq!(hook_count(selective), 0);
    let mut heal = request();
    heal.self_heal = true;
    assert_eq!(hook_count(heal), 0);
}

#[test]
fn a_hook_without_namespace_runs_in_the_destination_namespace() {
    let mut hook = job_hook("db-", "PreSync", None);
    if let Some(meta) = hook["metadata"].as_object_mut() {
        meta.remove("namespace");
    }
    let op = start(vec![Resource::desired(hook)], request());
    assert_eq!(op.tasks[0].key.namespace, "app");
    let ns = op.tasks[0]
        .target
        .as_ref()
        .and_then(|t| t.pointer("/metadata/namespace"));
    assert_eq!(ns.and_then(|v| v.as_str()), Some("app"));
}
