//! The `:` command line: parsing, running and Tab completion.

use super::app::App;
use super::fleet::{self, Facet, FacetField};
use super::keymap::Action;
use super::modal::Modal;
use crate::engine::snapshot::{Command, Snapshot};

/// Every command, for completion and the help screen.
pub const COMMANDS: &[(&str, &str)] = &[
    ("sync", "sync the current app"),
    ("rollback", "roll the current app back"),
    (
        "refresh",
        "fetch Git and compare the current app again (:refresh all)",
    ),
    (
        "refresh!",
        "hard refresh: render without cache too (:refresh! all)",
    ),
    ("terminate", "stop the running operation"),
    ("freeze", "freeze the current app: :freeze REASON"),
    ("unfreeze", "unfreeze the current app"),
    ("autosync", "toggle auto-sync"),
    ("app", "open an app: :app NAME"),
    ("appset", "list an ApplicationSet's apps: :appset NAME"),
    ("ctx", "clusters: pick one to list its apps (:ctx NAME)"),
    ("sort", "sort the list: :sort name|sync|health"),
    ("status", "facet on sync status: :status OutOfSync"),
    ("health", "facet on health: :health Degraded"),
    ("project", "facet on project"),
    ("cluster", "facet on cluster"),
    ("namespace", "facet on destination namespace"),
    ("op", "facet on last operation result: :op Failed"),
    ("all", "clear filter and facets"),
    ("help", "show keys and commands"),
    ("q", "quit (asks while a sync started here runs)"),
    ("q!", "quit without asking"),
];

pub fn run(app: &mut App, line: &str) -> Vec<Command> {
    let line = line.trim();
    let (name, arg) = match line.split_once(' ') {
        Some((name, arg)) => (name, arg.trim()),
        None => (line, ""),
    };
    let action = match name {
        "" => return Vec::new(),
        "q!" => {
            app.quit = true;
            return Vec::new();
        }
        "q" | "quit" | "wq" => Action::Quit,
        "help" => Action::Help,
        "sync" => Action::Sync,
        "rollback" => Action::Rollback,
        "refresh" | "refresh!" if arg == "all" => {
            return vec![Command::Refresh {
                app: None,
                hard: name == "refresh!",
            }];
        }
        "refresh" => Action::Refresh,
        "refresh!" => Action::HardRefresh,
        "terminate" => Action::Terminate,
        "autosync" => Action::AutoSync,
        "freeze" | "unfreeze" => return freeze(app, name == "freeze", arg),
        "app" => {
            app.open(arg);
            return Vec::new();
        }
        "appset" => {
            appset(app, arg);
            return Vec::new();
        }
        "ctx" => {
            ctx(app, arg);
            return Vec::new();
        }
        "sort" => match arg {
            "name" => Action::SortName,
            "sync" => Action::SortSync,
            "health" => Action::SortHealth,
            _ => {
                app.warn(format!(":sort {arg}: use name, sync or health"));
                return Vec::new();
            }
        },
        "all" => {
            app.list.filter.clear();
            app.list.facets.clear();
            app.refilter();
            return Vec::new();
        }
        _ => {
            facet(app, name, arg);
            return Vec::new();
        }
    };
    app.act(action)
}

fn freeze(app: &mut App, on: bool, reason: &str) -> Vec<Command> {
    if app.refuse_readonly() {
        return Vec::new();
    }
    let Some(current) = app.current().map(|a| a.name.clone()) else {
        return Vec::new();
    };
    if !on {
        return vec![Command::Unfreeze { app: Some(current) }];
    }
    if reason.is_empty() {
        return app.act(Action::Freeze);
    }
    vec![Command::Freeze {
        app: Some(current),
        reason: reason.to_owned(),
    }]
}

fn appset(app: &mut App, name: &str) {
    let known = fleet::appsets(&app.snapshot).contains(&name);
    if !name.is_empty() && !known {
        app.warn(format!("no ApplicationSet named '{name}' generated an app"));
        return;
    }
    app.show_appset(name);
}

/// `:ctx` opens the cluster list; `:ctx NAME` lists that cluster's apps.
fn ctx(app: &mut App, name: &str) {
    if name.is_empty() {
        app.modal = Some(Modal::Contexts { selected: 0 });
        return;
    }
    if !app.snapshot.clusters.iter().any(|c| c.name == name) {
        app.warn(format!("no cluster named '{name}' (:ctx lists them)"));
        return;
    }
    app.set_facet(FacetField::Cluster, name);
}

fn facet(app: &mut App, name: &str, value: &str) {
    let field = match name {
        "status" => Some(FacetField::Sync),
        "ns" => Some(FacetField::Namespace),
        other => FacetField::parse(other).filter(|f| *f != FacetField::Sync),
    };
    let Some(field) = field else {
        app.warn(format!("unknown command ':{name}' (Tab completes)"));
        return;
    };
    app.list.facets.retain(|f| f.field != field);
    if !value.is_empty() {
        app.list.facets.push(Facet {
            field,
            value: value.to_owned(),
        });
    }
    app.refilter();
}

/// Completes the command name, or the argument of `app`, `appset` and `ctx`.
pub fn complete(line: &str, snapshot: &Snapshot) -> String {
    if let Some((command, prefix)) = line.split_once(' ') {
        let names: Vec<&str> = match command {
            "app" => snapshot.apps.iter().map(|a| a.name.as_str()).collect(),
            "appset" => fleet::appsets(snapshot),
            "ctx" => snapshot.clusters.iter().map(|c| c.name.as_str()).collect(),
            _ => return line.to_owned(),
        };
        let matching = names.into_iter().filter(|n| n.starts_with(prefix));
        return match common_prefix(matching) {
            Some(done) => format!("{command} {done}"),
            None => line.to_owned(),
        };
    }
    let names = COMMANDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(line));
    common_prefix(names).unwrap_or_else(|| line.to_owned())
}

fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = names.next()?.to_owned();
    Some(names.fold(first, |acc, n| {
        acc.chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    }))
}
