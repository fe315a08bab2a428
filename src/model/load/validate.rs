//! Checks Argo CD itself makes on an Application or AppProject spec, reported
//! with the field that is wrong.
//!
//! Sources: a source needs `repoURL` and a non-empty `path` or `chart` (or, in
//! a multi-source app, a `ref`), as Argo CD's spec validation requires; Argo CD
//! cannot tell an empty `path` from an unset one, so `path: ""` is an error too
//! and the repository root is written `path: .`.

use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::duration::parse_go_duration;
use super::hints;
use super::parse::DocContext;
use crate::model::{AppProject, Application, ApplicationSource, Backoff, ObjectMeta, SyncWindow};

/// Sync option keys Argo CD understands at application level (argo-semantics §3.2).
const KNOWN_SYNC_OPTIONS: &[&str] = &[
    "Prune",
    "Delete",
    "Validate",
    "SkipDryRunOnMissingResource",
    "Replace",
    "Force",
    "ServerSideApply",
    "ClientSideApplyMigration",
    "CreateNamespace",
    "PruneLast",
    "ApplyOutOfSyncOnly",
    "RespectIgnoreDifferences",
    "PrunePropagationPolicy",
    "FailOnSharedResource",
];

const MAX_WINDOW_DESCRIPTION: usize = 255;

/// Kubernetes `metadata` fields a server writes; anything else unknown is a typo.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
    "managedFields",
    "selfLink",
];

pub(super) fn metadata(meta: &ObjectMeta, kind: &str, ctx: &DocContext<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if meta.name.is_empty() {
        out.push(ctx.error("metadata.name", "is required"));
    } else if let Some(problem) = dns1123_subdomain_problem(&meta.name) {
        let message = format!("{:?} is not a valid name: {problem}", meta.name);
        out.push(ctx.error("metadata.name", message));
    }
    for key in meta.server_fields.keys() {
        if SERVER_METADATA.contains(&key.as_str()) {
            continue;
        }
        let field = format!("metadata.{key}");
        let message = match hints::did_you_mean(kind, &field) {
            Some(hint) => format!("unknown field; did you mean {hint}?"),
            None => "unknown field".to_owned(),
        };
        out.push(ctx.warning(&field, message));
    }
    out
}

fn dns1123_subdomain_problem(name: &str) -> Option<&'static str> {
    if name.len() > 253 {
        return Some("must be at most 253 characters");
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    (!name.split('.').all(label_ok)).then_some(
        "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
    )
}

pub(super) fn application(app: &Application, ctx: &DocContext<'_>) -> Vec<Diagnostic> {
    let mut out = metadata(&app.metadata, "Application", ctx);
    let spec = &app.spec;
    match &spec.destination {
        None => out.push(ctx.error("spec.destination", "is required")),
        Some(dest) => {
            let server = dest.server.as_deref().is_some_and(|s| !s.is_empty());
            let name = dest.name.as_deref().is_some_and(|s| !s.is_empty());
            if !server && !name {
                out.push(ctx.error("spec.destination", "one of server or name is required"));
            }
            if server && name {
                out.push(ctx.error(
                    "spec.destination",
                    "server and name are both set; use only one of them",
                ));
            }
        }
    }
    if spec.sources.is_empty() {
        match &spec.source {
            None => out.push(ctx.error(
                "spec.source",
                "one of spec.source or spec.sources is required",
            )),
            Some(source) => source_problems(source, "spec.source", false, ctx, &mut out),
        }
    } else {
        for (i, source) in spec.sources.iter().enumerate() {
            source_problems(source, &format!("spec.sources[{i}]"), true, ctx, &mut out);
        }
    }
    if let Some(limit) = spec.revision_history_limit.filter(|l| *l < 0) {
        out.push(ctx.error(
            "spec.revisionHistoryLimit",
            format!("must not be negative (got {limit})"),
        ));
    }
    if let Some(policy) = &spec.sync_policy {
        if let Some(backoff) = policy.retry.as_ref().and_then(|r| r.backoff.as_ref()) {
            backoff_problems(backoff, ctx, &mut out);
        }
        for (i, option) in policy.sync_options.iter().enumerate() {
            if let Some(d) =
                sync_option_problem(option, &format!("spec.syncPolicy.syncOptions[{i}]"), ctx)
            {
                out.push(d);
            }
        }
    }
    out
}

fn source_problems(
    source: &ApplicationSource,
    field: &str,
    multi_source: bool,
    ctx: &DocContext<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if source.repo_url.is_empty() {
        out.push(ctx.error(&format!("{field}.repoURL"), "is required"));
    }
    let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    let is_ref_only = multi_source && has(&source.reference);
    if !has(&source.path) && !has(&source.chart) && !is_ref_only {
        out.push(ctx.error(
            field,
            "either path or chart is required (the repository root is path: .)",
        ));
    }
}

fn backoff_problems(backoff: &Backoff, ctx: &DocContext<'_>, out: &mut Vec<Diagnostic>) {
    let fields = [
        ("duration", &backoff.duration),
        ("maxDuration", &backoff.max_duration),
    ];
    for (key, value) in fields {
        let field = format!("spec.syncPolicy.retry.backoff.{key}");
        let problem = match value {
            None => None,
            Some(Value::String(s)) => parse_go_duration(s).err(),
            Some(Value::Number(n)) if n.as_u64().is_some() => None,
            Some(other) => Some(format!("expected a duration such as 5s or 2m, got {other}")),
        };
        if let Some(problem) = problem {
            out.push(ctx.error(&field, problem));
        }
    }
}

fn sync_option_problem(option: &str, field: &str, ctx: &DocContext<'_>) -> Option<Diagnostic> {
    let Some((key, _)) = option.trim().split_once('=') else {
        return Some(ctx.warning(
            field,
            format!("{option:?} is not of the form Key=Value; ignored"),
        ));
    };
    if KNOWN_SYNC_OPTIONS.contains(&key.trim()) {
        return None;
    }
    let hint = KNOWN_SYNC_OPTIONS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(key.trim()))
        .map(|known| format!("; did you mean {known}?"))
        .unwrap_or_default();
    Some(ctx.warning(field, format!("unknown sync option {key:?}{hint}")))
}

pub(super) fn project(project: &AppProject, ctx: &DocContext<'_>) -> Vec<Diagnostic> {
    let mut out = metadata(&project.metadata, "AppProject", ctx);
    for (i, window) in project.spec.sync_windows.iter().enumerate() {
        window_problems(window, &format!("spec.syncWindows[{i}]"), ctx, &mut out);
    }
    out
}

fn window_problems(
    window: &SyncWindow,
    field: &str,
    ctx: &DocContext<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if window.kind != "allow" && window.kind != "deny" {
        out.push(ctx.error(
            &format!("{field}.kind"),
            format!("must be allow or deny (got {:?})", window.kind),
        ));
    }
    if let Err(problem) = check_cron(&window.schedule) {
        out.push(ctx.error(&format!("{field}.schedule"), problem));
    }
    if let Err(problem) = parse_go_duration(&window.duration) {
        out.push(ctx.error(&format!("{field}.duration"), problem));
    }
    if let Some(description) = &window.description {
        let len = description.chars().count();
        if len > MAX_WINDOW_DESCRIPTION {
            out.push(ctx.error(
                &format!("{field}.description"),
                format!("is {len} characters; at most {MAX_WINDOW_DESCRIPTION} are allowed"),
            ));
        }
    }
}

/// A standard 5-field cron (minute hour day-of-month month day-of-week) or a
/// descriptor such as `@daily`.
fn check_cron(schedule: &str) -> Result<(), String> {
    let fields = schedule.split_whitespace().count();
    if !schedule.trim_start().starts_with('@') && fields != 5 {
        return Err(format!(
            "{schedule:?} is not a 5-field cron schedule (minute hour day-of-month month day-of-week)"
        ));
    }
    let parser = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .build();
    parser
        .parse(schedule)
        .map(|_| ())
        .map_err(|e| format!("{schedule:?} is not a valid cron schedule: {e}"))
}
