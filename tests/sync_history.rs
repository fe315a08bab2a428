//! History entries, trimming, and rollback requests (§8.4–8.5).

mod sync_support;

use plumb::engine::sync::{
    HistoryEntry, InitiatedBy, OperationPhase, Resource, RollbackError, RollbackParams, Strategy,
    history_entry, next_history_id, rollback_request, rollback_targets, trim_history,
};
use plumb::model::{Application, ApplicationSource, ResourceKey};
use serde_json::json;
use sync_support::*;

fn source() -> ApplicationSource {
    serde_json::from_value(json!({"repoURL": "https://github.com/acme/shop", "path": "deploy", "targetRevision": "main"}))
        .expect("source")
}

fn entry(id: i64, revision: &str, succeeded: bool) -> HistoryEntry {
    HistoryEntry {
        id,
        revision: revision.to_owned(),
        sources: vec![source()],
        deployed_at: ts(1_700_000_000 + id * 60),
        deploy_started_at: ts(1_700_000_000 + id * 60 - 5),
        initiated_by: InitiatedBy {
            username: "ana".into(),
            automated: false,
        },
        result: if succeeded {
            OperationPhase::Succeeded
        } else {
            OperationPhase::Failed
        },
        message: String::new(),
        rollback_target: succeeded,
    }
}

fn app(automated: bool) -> Application {
    let mut spec = json!({
        "project": "default",
        "source": {"repoURL": "https://github.com/acme/shop", "path": "deploy", "targetRevision": "main"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "app"},
        "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}
    });
    if automated {
        spec["syncPolicy"]["automated"] = json!({"prune": true});
    }
    serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "guestbook", "namespace": "argocd"}, "spec": spec
    }))
    .expect("application")
}

fn params(id: Option<i64>) -> RollbackParams {
    RollbackParams {
        id,
        disable_auto_sync: false,
        prune: true,
        dry_run: false,
        initiated_by: InitiatedBy {
            username: "ana".into(),
            automated: false,
        },
        started_at: ts(1_700_001_000),
    }
}

#[test]
fn a_succeeded_sync_makes_a_rollback_target() {
    let mut req = request();
    req.sources = vec![source()];
    req.initiated_by = InitiatedBy {
        username: "ana".into(),
        automated: false,
    };
    let mut sim = Sim::new();
    let mut op = start(vec![Resource::desired(cm("c", 0))], req);
    assert_eq!(
        history_entry(&op, 0, ts(1_700_000_010)),
        None,
        "still running"
    );
    sim.run(&mut op, 5);
    let e = history_entry(&op, 4, ts(1_700_000_010)).expect("entry");
    assert_eq!(e.id, 4);
    assert_eq!(e.revision, REVISION);
    assert_eq!(e.sources, [source()]);
    assert_eq!(e.deploy_started_at, ts(1_700_000_000));
    assert_eq!(e.deployed_at, ts(1_700_000_010));
    assert_eq!(e.result, OperationPhase::Succeeded);
    assert!(e.rollback_target);
}

#[test]
fn a_failed_sync_is_recorded_but_is_no_rollback_target() {
    let mut sim = Sim::new();
    let bad = cm("bad", 0);
    sim.fail_apply.insert(ResourceKey::of(&bad), "boom".into());
    let mut op = start(vec![Resource::desired(bad)], request());
    sim.run(&mut op, 5);
    let e = history_entry(&op, 0, ts(1_700_000_010)).expect("entry");
    assert_eq!(e.result, OperationPhase::Failed);
    assert_eq!(
        e.message,
        "one or more objects failed to apply, reason: boom"
    );
    assert!(!e.rollback_target);
    assert!(rollback_targets(&[e]).is_empty());
}

#[test]
fn history_is_trimmed_to_the_limit() {
    let mut entries: Vec<HistoryEntry> = (0..12)
        .map(|i| entry(i, &format!("rev{i}"), true))
        .collect();
    assert_eq!(next_history_id(&entries), 12);
    assert_eq!(next_history_id(&[]), 0);
    trim_history(&mut entries, 10);
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, (2..12).collect::<Vec<_>>());
}

#[test]
fn trimming_keeps_failed_entries_only_among_kept_targets() {
    let mut entries = vec![
        entry(0, "a", true),
        entry(1, "b", false),
        entry(2, "c", true),
        entry(3, "d", false),
        entry(4, "e", true),
    ];
    trim_history(&mut entries, 2);
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 3, 4]);
    trim_history(&mut entries, 0);
    assert!(entries.is_empty());
}

#[test]
fn rollback_defaults_to_the_previous_deployment_with_apply_strategy() {
    let history = vec![
        entry(0, "aaa", true),
        entry(1, "bbb", true),
        entry(2, "ccc", false),
    ];
    let req = rollback_request(&app(false), &history, params(None)).expect("rollback");
    assert_eq!(req.revision, "aaa");
    assert_eq!(req.sources, [source()]);
    assert_eq!(req.strategy, Strategy::Apply);
    assert!(req.skips_hooks());
    assert!(req.prune);
    assert!(
        req.options.create_namespace,
        "the app's current sync options"
    );
    let by_id = rollback_request(&app(false), &history, params(Some(1))).expect("rollback");
    assert_eq!(by_id.revision, "bbb");
}

#[test]
fn rollback_refusals() {
    let history = vec![
        entry(0, "aaa", true),
        entry(1, "bbb", true),
        entry(2, "ccc", false),
    ];
    let refused = rollback_request(&app(true), &history, params(None)).expect_err("auto-sync on");
    assert_eq!(refused, RollbackError::AutoSyncEnabled);
    assert_eq!(
        refused.to_string(),
        "rollback cannot be initiated when auto-sync is enabled"
    );
    let mut off = params(None);
    off.disable_auto_sync = true;
    assert!(rollback_request(&app(true), &history, off).is_ok());
    let unknown = rollback_request(&app(false), &history, params(Some(7))).expect_err("unknown id");
    assert_eq!(
        unknown.to_string(),
        "application guestbook does not have deployment with id 7"
    );
    let failed_entry =
        rollback_request(&app(false), &history, params(Some(2))).expect_err("failed entry");
    assert_eq!(
        failed_entry,
        RollbackError::UnknownId {
            app: "guestbook".into(),
            id: 2
        }
    );
    let lone = rollback_request(&app(false), &history[..1], params(None)).expect_err("no previous");
    assert_eq!(
        lone,
        RollbackError::NoPreviousDeployment {
            app: "guestbook".into()
        }
    );
    let mut no_source = history.clone();
    no_source[0].sources.clear();
    let err = rollback_request(&app(false), &no_source, params(Some(0))).expect_err("no source");
    assert_eq!(
        err,
        RollbackError::NoSource {
            app: "guestbook".into(),
            id: 0
        }
    );
    let mut deleting = app(false);
    deleting
        .metadata
        .server_fields
        .insert("deletionTimestamp".into(), json!("2023-11-14T22:13:20Z"));
    let err = rollback_request(&deleting, &history, params(None)).expect_err("deleting");
    assert_eq!(err.to_string(), "application is deleting");
}
