//! The app list's data: what each column says, filters, facets, sorting and
//! the fleet summary. Pure functions over a [`Snapshot`].

use crate::engine::health::HealthStatus;
use crate::engine::snapshot::{AppView, Snapshot};

pub fn sync_of(app: &AppView) -> &'static str {
    app.comparison.as_ref().map_or("-", |c| c.sync.as_str())
}

pub fn health_of(app: &AppView) -> Option<HealthStatus> {
    app.comparison.as_ref().map(|c| c.health.status)
}

pub fn health_text(app: &AppView) -> &'static str {
    health_of(app).map_or("-", |h| h.as_str())
}

/// The running operation's phase, or the last finished one's result.
pub fn last_op(app: &AppView) -> &'static str {
    if let Some(op) = &app.operation {
        return op.phase.as_str();
    }
    app.last_operation
        .as_ref()
        .map(|op| op.phase.as_str())
        .or_else(|| app.history.last().map(|h| h.result.as_str()))
        .unwrap_or("-")
}

/// [`last_op`], with `done/total` resources while an operation runs.
pub fn last_op_progress(app: &AppView) -> String {
    match &app.operation {
        Some(op) => {
            let (done, total) = crate::tui::plan::counts(op);
            format!("{} {done}/{total}", op.phase.as_str())
        }
        None => last_op(app).to_owned(),
    }
}

pub fn failed(app: &AppView) -> bool {
    matches!(last_op(app), "Failed" | "Error")
}

pub fn flags(app: &AppView) -> String {
    let mut out = String::new();
    out.push(if app.auto_sync && app.auto_sync_paused.is_none() {
        'A'
    } else {
        '·'
    });
    out.push(if app.self_heal { 'H' } else { '·' });
    out.push(if app.freeze.is_some() { '❄' } else { '·' });
    out
}

pub fn revision(app: &AppView) -> String {
    let full = app
        .comparison
        .as_ref()
        .and_then(|c| c.revisions.first().cloned())
        .or_else(|| {
            let spec = &app.app.spec;
            spec.source
                .as_ref()
                .or(spec.sources.first())
                .and_then(|s| s.target_revision.clone())
        })
        .unwrap_or_else(|| "HEAD".to_owned());
    let is_sha = full.len() >= 40 && full.chars().all(|c| c.is_ascii_hexdigit());
    if is_sha { full[..7].to_owned() } else { full }
}

pub fn destination(app: &AppView) -> String {
    let dest = app.app.spec.destination.as_ref();
    let namespace = dest.and_then(|d| d.namespace.as_deref()).unwrap_or("");
    format!("{}/{namespace}", app.cluster)
}

/// The ApplicationSet that generated the app (the view may add the
/// generator after the name).
pub fn appset_name(app: &AppView) -> Option<&str> {
    app.appset
        .as_deref()
        .and_then(|s| s.split_whitespace().next())
}

/// Every ApplicationSet that generated an app, sorted, once each.
pub fn appsets(snapshot: &Snapshot) -> Vec<&str> {
    let mut names: Vec<&str> = snapshot
        .apps
        .iter()
        .filter_map(|a| appset_name(a))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

pub fn project(app: &AppView) -> &str {
    &app.app.spec.project
}

/// Strings a production pattern is matched against.
pub fn destination_names(app: &AppView) -> Vec<&str> {
    let mut names = vec![app.cluster.as_str()];
    if let Some(d) = &app.app.spec.destination {
        names.extend(d.name.as_deref());
        names.extend(d.server.as_deref());
        names.extend(d.namespace.as_deref());
    }
    names
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Sync,
    Health,
}

/// A facet restricts the list to apps whose field equals a value
/// (`:sync OutOfSync`, `:health Degraded`, `:project payments`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub field: FacetField,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacetField {
    Sync,
    Health,
    Project,
    Cluster,
    Namespace,
    Operation,
    AppSet,
}

impl FacetField {
    pub const ALL: [(FacetField, &'static str); 7] = [
        (FacetField::Sync, "sync"),
        (FacetField::Health, "health"),
        (FacetField::Project, "project"),
        (FacetField::Cluster, "cluster"),
        (FacetField::Namespace, "namespace"),
        (FacetField::Operation, "op"),
        (FacetField::AppSet, "appset"),
    ];

    pub fn parse(name: &str) -> Option<FacetField> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("?", |(_, n)| n)
    }

    fn value_of(self, app: &AppView) -> String {
        match self {
            FacetField::Sync => sync_of(app).to_owned(),
            FacetField::Health => health_text(app).to_owned(),
            FacetField::Project => project(app).to_owned(),
            FacetField::Cluster => app.cluster.clone(),
            FacetField::Namespace => app
                .app
                .spec
                .destination
                .as_ref()
                .and_then(|d| d.namespace.clone())
                .unwrap_or_default(),
            FacetField::Operation => last_op(app).to_owned(),
            FacetField::AppSet => appset_name(app).unwrap_or_default().to_owned(),
        }
    }
}

/// Indexes into `snapshot.apps` that pass the filter and facets, sorted.
pub fn visible(snapshot: &Snapshot, filter: &str, facets: &[Facet], sort: SortKey) -> Vec<usize> {
    let needle = filter.to_lowercase();
    let mut rows: Vec<usize> = snapshot
        .apps
        .iter()
        .enumerate()
        .filter(|(_, app)| needle.is_empty() || app.name.to_lowercase().contains(&needle))
        .filter(|(_, app)| {
            facets
                .iter()
                .all(|f| f.field.value_of(app).eq_ignore_ascii_case(&f.value))
        })
        .map(|(i, _)| i)
        .collect();
    let apps = &snapshot.apps;
    match sort {
        SortKey::Name => rows.sort_by(|&a, &b| apps[a].name.cmp(&apps[b].name)),
        SortKey::Sync => rows.sort_by_key(|&i| (sync_rank(&apps[i]), apps[i].name.clone())),
        SortKey::Health => rows.sort_by_key(|&i| (health_rank(&apps[i]), apps[i].name.clone())),
    }
    rows
}

/// Worst first.
fn sync_rank(app: &AppView) -> u8 {
    match sync_of(app) {
        "OutOfSync" => 0,
        "Unknown" => 1,
        "Synced" => 2,
        _ => 3,
    }
}

fn health_rank(app: &AppView) -> u8 {
    match health_of(app) {
        Some(HealthStatus::Degraded) => 0,
        Some(HealthStatus::Missing) => 1,
        Some(HealthStatus::Unknown) => 2,
        Some(HealthStatus::Progressing) => 3,
        Some(HealthStatus::Suspended) => 4,
        Some(HealthStatus::Healthy) => 5,
        None => 6,
    }
}

/// `12 apps · 3 OutOfSync · 1 Degraded · 1 failed · 0 frozen`
pub fn summary(snapshot: &Snapshot) -> String {
    let apps = &snapshot.apps;
    let out_of_sync = apps.iter().filter(|a| sync_of(a) == "OutOfSync").count();
    let degraded = apps
        .iter()
        .filter(|a| health_of(a) == Some(HealthStatus::Degraded))
        .count();
    let failed = apps.iter().filter(|a| failed(a)).count();
    let frozen = apps.iter().filter(|a| a.freeze.is_some()).count();
    format!(
        "{} apps · {out_of_sync} OutOfSync · {degraded} Degraded · {failed} failed · {frozen} frozen",
        apps.len()
    )
}
