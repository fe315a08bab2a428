//! ignoreDifferences: app rules and `argocd-cm` rules, which objects they
//! match, and removing the fields they name (JSON pointers, jq paths).

use std::time::Duration;

use globset::{Glob, GlobMatcher};
use serde_json::Value;

use super::jq::{self, Step};
use super::settings::{StatusFieldIgnore, SystemDiffSettings};
use crate::model::{IgnoreDifferences, group_of, kind_of, name_of, namespace_of};

/// A group or kind pattern: a glob, or the literal text when it is not a
/// valid glob.
#[derive(Debug, Clone)]
enum Pattern {
    Glob(GlobMatcher),
    Exact(String),
}

impl Pattern {
    fn new(text: &str) -> Pattern {
        match Glob::new(text) {
            Ok(glob) => Pattern::Glob(glob.compile_matcher()),
            Err(_) => Pattern::Exact(text.to_owned()),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Glob(glob) => glob.is_match(value),
            Pattern::Exact(text) => text == value,
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    group: Pattern,
    kind: Pattern,
    name: Option<String>,
    namespace: Option<String>,
    json_pointers: Vec<String>,
    jq_path_expressions: Vec<String>,
    managed_fields_managers: Vec<String>,
}

impl Rule {
    fn matches(&self, object: &Value) -> bool {
        let exact = |wanted: &Option<String>, actual: &str| {
            wanted
                .as_deref()
                .is_none_or(|wanted| wanted.is_empty() || wanted == actual)
        };
        self.group.matches(group_of(object))
            && self.kind.matches(kind_of(object))
            && exact(&self.name, name_of(object))
            && exact(&self.namespace, namespace_of(object))
    }
}

/// Every ignore rule in effect: the app's `spec.ignoreDifferences` and the
/// system rules of `argocd-cm` (including `/status` per the status option).
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
    pub(super) ignore_aggregated_roles: bool,
    pub(super) sensitive_annotations: Vec<String>,
    jq_timeout: Duration,
}

impl Default for IgnoreRules {
    /// No app rules and Argo CD's default system settings.
    fn default() -> Self {
        IgnoreRules::new(&[], &SystemDiffSettings::default())
    }
}

impl IgnoreRules {
    pub fn new(app_rules: &[IgnoreDifferences], system: &SystemDiffSettings) -> Self {
        let mut rules: Vec<Rule> = system
            .rules
            .iter()
            .map(|rule| Rule {
                group: Pattern::new(&rule.group),
                kind: Pattern::new(&rule.kind),
                name: None,
                namespace: None,
                json_pointers: rule.json_pointers.clone(),
                jq_path_expressions: rule.jq_path_expressions.clone(),
                managed_fields_managers: rule.managed_fields_managers.clone(),
            })
            .collect();
        let status_rule = |group: &str, kind: &str| Rule {
            group: Pattern::new(group),
            kind: Pattern::new(kind),
            name: None,
            namespace: None,
            json_pointers: vec!["/status".into()],
            jq_path_expressions: Vec::new(),
            managed_fields_managers: Vec::new(),
        };
        match system.ignore_status {
            StatusFieldIgnore::All => rules.push(status_rule("*", "*")),
            StatusFieldIgnore::Crd => rules.push(status_rule(
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
            )),
            StatusFieldIgnore::None => {}
        }
        rules.extend(app_rules.iter().map(|rule| Rule {
            group: Pattern::new(&rule.group),
            kind: Pattern::new(&rule.kind),
            name: rule.name.clone(),
            namespace: rule.namespace.clone(),
            json_pointers: rule.json_pointers.clone(),
            jq_path_expressions: rule.jq_path_expressions.clone(),
            managed_fields_managers: rule.managed_fields_managers.clone(),
        }));
        IgnoreRules {
            rules,
            ignore_aggregated_roles: system.ignore_aggregated_roles,
            sensitive_annotations: system.sensitive_annotations.clone(),
            jq_timeout: jq::JQ_TIMEOUT,
        }
    }

    /// Changes the jq time limit (`ignore.normalizer.jq.timeout`).
    pub fn with_jq_timeout(mut self, limit: Duration) -> Self {
        self.jq_timeout = limit;
        self
    }

    fn matching<'a>(&'a self, object: &'a Value) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |rule| rule.matches(object))
    }

    /// Managers whose fields are ignored for `object` (de-duplicated).
    pub(super) fn managers_for(&self, object: &Value) -> Vec<String> {
        let mut managers: Vec<String> = Vec::new();
        for manager in self
            .matching(object)
            .flat_map(|rule| &rule.managed_fields_managers)
        {
            if !managers.contains(manager) {
                managers.push(manager.clone());
            }
        }
        managers
    }

    /// What the pointer and jq rules for `subject` select in each of
    /// `targets`: one selection per pointer or expression, holding the
    /// paths found in each target (jq positions differ per target). An
    /// expression that fails on any target is skipped for all of them and
    /// reported in `warnings`.
    pub(super) fn selections(
        &self,
        subject: &Value,
        targets: &[&Value],
        warnings: &mut Vec<String>,
    ) -> Vec<Selection> {
        let mut selections = Vec::new();
        for rule in self.matching(subject) {
            for pointer in &rule.json_pointers {
                match parse_pointer(pointer) {
                    Some(steps) => selections.push(Selection {
                        per_target: vec![vec![steps]; targets.len()],
                    }),
                    None => warnings.push(format!(
                        "ignoreDifferences jsonPointer {pointer:?} is not a JSON pointer"
                    )),
                }
            }
            for expr in &rule.jq_path_expressions {
                match jq::selected_paths_in(targets, expr, self.jq_timeout) {
                    Ok(per_target) => selections.push(Selection { per_target }),
                    Err(err) => warnings.push(format!("ignoreDifferences skipped: {err}")),
                }
            }
        }
        selections
    }
}

/// The paths one pointer or jq expression selects, per target.
#[derive(Debug, Clone)]
pub(super) struct Selection {
    pub per_target: Vec<Vec<Vec<Step>>>,
}

/// Splits an RFC 6901 pointer into steps (`~1` is `/`, `~0` is `~`); numeric
/// tokens address list positions or map keys, whichever the value has.
fn parse_pointer(pointer: &str) -> Option<Vec<Step>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|token| Step::Key(token.replace("~1", "/").replace("~0", "~")))
            .collect(),
    )
}

fn child_mut<'a>(value: &'a mut Value, step: &Step) -> Option<&'a mut Value> {
    match (value, step) {
        (Value::Object(map), Step::Key(key)) => map.get_mut(key),
        (Value::Array(items), Step::Index(index)) => items.get_mut(*index),
        (Value::Array(items), Step::Key(key)) => items.get_mut(key.parse::<usize>().ok()?),
        _ => None,
    }
}

/// The value at a step path.
pub(super) fn value_at<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |current, step| match (current, step) {
            (Value::Object(map), Step::Key(key)) => map.get(key),
            (Value::Array(items), Step::Index(index)) => items.get(*index),
            (Value::Array(items), Step::Key(key)) => items.get(key.parse::<usize>().ok()?),
            _ => None,
        })
}

/// Removes every path from `value`; list items are removed from the highest
/// position down so earlier removals do not shift later ones.
pub(super) fn remove_paths(value: &mut Value, paths: &[Vec<Step>]) {
    let mut ordered: Vec<&Vec<Step>> = paths.iter().collect();
    ordered.sort_by(|a, b| compare_steps(b, a));
    for path in ordered {
        remove_one(value, path);
    }
}

fn compare_steps(a: &[Step], b: &[Step]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x, y) {
            (Step::Index(x), Step::Index(y)) => x.cmp(y),
            (Step::Key(x), Step::Key(y)) => x.cmp(y),
            (Step::Key(_), Step::Index(_)) => std::cmp::Ordering::Less,
            (Step::Index(_), Step::Key(_)) => std::cmp::Ordering::Greater,
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

fn remove_one(value: &mut Value, path: &[Step]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let Some(parent) = parents
        .iter()
        .try_fold(value, |current, step| child_mut(current, step))
    else {
        return;
    };
    match (parent, last) {
        (Value::Object(map), Step::Key(key)) => {
            map.shift_remove(key);
        }
        (Value::Array(items), step) => {
            let index = match step {
                Step::Index(index) => Some(*index),
                Step::Key(key) => key.parse::<usize>().ok(),
            };
            if let Some(index) = index.filter(|i| *i < items.len()) {
                items.remove(index);
            }
        }
        _ => {}
    }
}

/// Sets the value at a path, creating missing maps on the way; list
/// positions past the end append.
pub(super) fn set_path(value: &mut Value, path: &[Step], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *value = new;
        return;
    };
    match (value, first) {
        (Value::Object(map), Step::Key(key)) => {
            let child = map.entry(key.clone()).or_insert(Value::Null);
            if rest.is_empty() {
                *child = new;
            } else {
                if child.is_null() {
                    *child = Value::Object(serde_json::Map::new());
                }
                set_path(child, rest, new);
            }
        }
        (value @ Value::Null, Step::Key(_)) => {
            *value = Value::Object(serde_json::Map::new());
            set_path(value, path, new);
        }
        (Value::Array(items), Step::Index(index)) => {
            if rest.is_empty() {
                let at = (*index).min(items.len());
                items.insert(at, new);
            } else if let Some(child) = items.get_mut(*index) {
                set_path(child, rest, new);
            }
        }
        (Value::Array(items), Step::Key(key)) => {
            if let Some(child) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                if rest.is_empty() {
                    *child = new;
                } else {
                    set_path(child, rest, new);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_unescape_and_missing_paths_are_ignored() {
        let mut object = json!({"metadata": {"annotations": {"a/b": "x", "c": "y"}}});
        let paths = vec![
            parse_pointer("/metadata/annotations/a~1b").expect("pointer"),
            parse_pointer("/spec/missing").expect("pointer"),
        ];
        remove_paths(&mut object, &paths);
        assert_eq!(object, json!({"metadata": {"annotations": {"c": "y"}}}));
        assert!(parse_pointer("no-slash").is_none());
    }

    #[test]
    fn list_items_are_removed_from_the_end() {
        let mut object = json!({"a": [0, 1, 2, 3]});
        remove_paths(
            &mut object,
            &[
                vec![Step::Key("a".into()), Step::Index(1)],
                vec![Step::Key("a".into()), Step::Index(3)],
            ],
        );
        assert_eq!(object, json!({"a": [0, 2]}));
    }

    #[test]
    fn group_kind_globs_and_exact_names() {
        let rule = IgnoreDifferences {
            group: "*.crossplane.io".into(),
            kind: "*".into(),
            name: Some("db".into()),
            ..Default::default()
        };
        let rules = IgnoreRules::new(
            &[IgnoreDifferences {
                managed_fields_managers: vec!["m".into()],
                ..rule
            }],
            &SystemDiffSettings::default(),
        );
        let object = |name: &str| {
            json!({"apiVersion": "rds.aws.crossplane.io/v1", "kind": "Instance",
                   "metadata": {"name": name}})
        };
        assert_eq!(rules.managers_for(&object("db")), ["m"]);
        assert!(rules.managers_for(&object("other")).is_empty());
    }
}
