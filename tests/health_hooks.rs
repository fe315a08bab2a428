//! Hook phases from health (§2.4), on the same object fixtures as health.

use std::path::Path;

use plumb::engine::health::{
    Health, HealthConfig, HealthStatus, HookPhase, assess, hook_phase, is_hook,
};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/health")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("readable fixture");
    serde_yaml::from_str(&text).expect("fixture YAML")
}

fn phase_of(name: &str) -> (HookPhase, String) {
    let obj = fixture(name);
    let health = assess(&obj, &HealthConfig::default());
    hook_phase(health.as_ref(), "migrate")
}

#[test]
fn table_of_health_to_phase() {
    let cases = [
        (HealthStatus::Healthy, HookPhase::Succeeded),
        (HealthStatus::Progressing, HookPhase::Running),
        (HealthStatus::Suspended, HookPhase::Running),
        (HealthStatus::Degraded, HookPhase::Failed),
        (HealthStatus::Unknown, HookPhase::Failed),
    ];
    for (status, expected) in cases {
        let health = Health::new(status, format!("{status} message"));
        assert_eq!(
            hook_phase(Some(&health), "migrate"),
            (expected, format!("{status} message")),
            "{status}"
        );
    }
}

#[test]
fn kinds_without_health_succeed_when_created() {
    assert_eq!(
        hook_phase(None, "notify"),
        (HookPhase::Succeeded, "notify created".to_owned())
    );
    let configmap = fixture("none-configmap.yaml");
    let health = assess(&configmap, &HealthConfig::default());
    assert_eq!(
        hook_phase(health.as_ref(), "thing"),
        (HookPhase::Succeeded, "thing created".to_owned())
    );
}

#[test]
fn job_hooks_follow_their_conditions() {
    assert_eq!(phase_of("job-complete.yaml").0, HookPhase::Succeeded);
    assert_eq!(
        phase_of("job-failed.yaml"),
        (
            HookPhase::Failed,
            "Job has reached the specified backoff limit".to_owned()
        )
    );
    assert_eq!(phase_of("job-suspended.yaml").0, HookPhase::Running);
    assert_eq!(phase_of("job-no-conditions.yaml").0, HookPhase::Running);
}

#[test]
fn pod_hooks_follow_their_phase() {
    assert_eq!(phase_of("pod-succeeded.yaml").0, HookPhase::Succeeded);
    assert_eq!(phase_of("pod-failed-exit-code.yaml").0, HookPhase::Failed);
    assert_eq!(
        phase_of("pod-running-restart-never.yaml").0,
        HookPhase::Running
    );
    assert_eq!(
        phase_of("pod-running-restart-on-failure.yaml").0,
        HookPhase::Running
    );
    // An image pull error in a Never pod keeps the hook running instead of failing it.
    assert_eq!(
        phase_of("pod-never-image-backoff-pending.yaml").0,
        HookPhase::Running
    );
    // ignore-restart-policy is not honoured for hooks.
    assert_eq!(
        phase_of("pod-running-never-ignore-restart-policy-hook.yaml").0,
        HookPhase::Running
    );
}

#[test]
fn workflow_hooks_follow_their_phase() {
    assert_eq!(phase_of("workflow-no-phase.yaml").0, HookPhase::Running);
    assert_eq!(phase_of("workflow-pending.yaml").0, HookPhase::Running);
    assert_eq!(phase_of("workflow-running.yaml").0, HookPhase::Running);
    assert_eq!(phase_of("workflow-succeeded.yaml").0, HookPhase::Succeeded);
    assert_eq!(phase_of("workflow-failed.yaml").0, HookPhase::Failed);
    assert_eq!(phase_of("workflow-error.yaml").0, HookPhase::Failed);
    assert_eq!(phase_of("workflow-other-phase.yaml").0, HookPhase::Failed);
}

#[test]
fn hook_detection_reads_argo_and_helm_annotations() {
    let with = |annotations: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": annotations}});
    assert!(is_hook(&with(
        json!({"argocd.argoproj.io/hook": "PreSync"})
    )));
    assert!(is_hook(&with(
        json!({"argocd.argoproj.io/hook": "PostSync,SyncFail"})
    )));
    assert!(!is_hook(&with(json!({"argocd.argoproj.io/hook": "Skip"}))));
    assert!(is_hook(&with(
        json!({"argocd.argoproj.io/hook": "Skip,PreSync"})
    )));
    assert!(is_hook(&with(json!({"helm.sh/hook": "pre-install"}))));
    assert!(!is_hook(&with(json!({"helm.sh/hook": "crd-install"}))));
    assert!(!is_hook(&with(json!({}))));
}
