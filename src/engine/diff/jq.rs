//! `jqPathExpressions`: the paths a jq expression selects in an object,
//! evaluated with jaq under a time limit.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

/// Argo CD's default `ignore.normalizer.jq.timeout`.
pub const JQ_TIMEOUT: Duration = Duration::from_secs(1);

/// One step of a path selected by jq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The paths `expr` selects in each of `inputs` (as `path(expr)` lists
/// them); the expression is compiled once for all of them.
///
/// jaq cannot be interrupted, so the evaluation runs on its own thread; when
/// it does not answer within `limit` the rule is reported as timed out and
/// the thread is left to finish on its own. An expression that timed out
/// once is refused from then on, so a runaway expression costs one thread
/// per process, not one per refresh.
pub fn selected_paths_in(
    inputs: &[&Value],
    expr: &str,
    limit: Duration,
) -> Result<Vec<Vec<Vec<Step>>>, String> {
    if timed_out().lock().is_ok_and(|set| set.contains(expr)) {
        return Err(format!(
            "jq expression {expr:?} timed out before and is no longer evaluated"
        ));
    }
    let (sender, receiver) = mpsc::channel();
    let inputs: Vec<Value> = inputs.iter().map(|input| (*input).clone()).collect();
    let expr_owned = expr.to_owned();
    std::thread::Builder::new()
        .name("jq-ignore-rule".into())
        .spawn(move || {
            // The receiver may have given up already; nothing to do then.
            let _ = sender.send(evaluate(&inputs, &expr_owned));
        })
        .map_err(|err| format!("cannot start jq evaluation: {err}"))?;
    match receiver.recv_timeout(limit) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            if let Ok(mut set) = timed_out().lock() {
                set.insert(expr.to_owned());
            }
            Err(format!(
                "jq expression {expr:?} did not finish within {} ms",
                limit.as_millis()
            ))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(format!("jq expression {expr:?} stopped without a result"))
        }
    }
}

/// Expressions that did not finish within their limit.
fn timed_out() -> &'static Mutex<HashSet<String>> {
    static TIMED_OUT: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    TIMED_OUT.get_or_init(Mutex::default)
}

fn evaluate(inputs: &[Value], expr: &str) -> Result<Vec<Vec<Vec<Step>>>, String> {
    let code = format!("[path({expr})]");
    let program = File {
        code: code.as_str(),
        path: (),
    };
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(&arena, program)
        .map_err(|errors| format!("jq expression {expr:?} does not parse: {errors:?}"))?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| format!("jq expression {expr:?} does not compile: {errors:?}"))?;
    let mut all = Vec::with_capacity(inputs.len());
    for input in inputs {
        let bytes = serde_json::to_vec(input).map_err(|err| err.to_string())?;
        let input = jaq_json::read::parse_single(&bytes).map_err(|err| format!("{err:?}"))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
        let mut outputs = filter.id.run((ctx, input)).map(unwrap_valr);
        let first = match outputs.next() {
            Some(Ok(value)) => value,
            Some(Err(err)) => return Err(format!("jq expression {expr:?} failed: {err:?}")),
            None => return Err(format!("jq expression {expr:?} returned nothing")),
        };
        let paths: Value = serde_json::from_str(&first.to_string())
            .map_err(|err| format!("jq expression {expr:?} gave unreadable paths: {err}"))?;
        let paths = match paths.as_array() {
            Some(paths) => paths.iter().map(steps).collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        all.push(paths);
    }
    Ok(all)
}

fn steps(path: &Value) -> Result<Vec<Step>, String> {
    let Some(parts) = path.as_array() else {
        return Err(format!("jq path {path} is not a list"));
    };
    parts
        .iter()
        .map(|part| match part {
            Value::String(key) => Ok(Step::Key(key.clone())),
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Step::Index)
                .ok_or_else(|| format!("jq path step {n} is not a list position")),
            other => Err(format!("jq path step {other} is not supported")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn selected_paths(
        input: &Value,
        expr: &str,
        limit: Duration,
    ) -> Result<Vec<Vec<Step>>, String> {
        selected_paths_in(&[input], expr, limit).map(|mut all| all.remove(0))
    }

    #[test]
    fn select_gives_item_positions() {
        let pod = json!({"spec": {"initContainers": [
            {"name": "setup"}, {"name": "istio-init"}
        ]}});
        let paths = selected_paths(
            &pod,
            r#".spec.initContainers[] | select(.name=="istio-init")"#,
            JQ_TIMEOUT,
        )
        .expect("valid expression");
        assert_eq!(
            paths,
            vec![vec![
                Step::Key("spec".into()),
                Step::Key("initContainers".into()),
                Step::Index(1)
            ]]
        );
    }

    #[test]
    fn annotation_keys_by_prefix() {
        let svc = json!({"metadata": {"annotations": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "keep": "x"
        }}});
        let paths = selected_paths(
            &svc,
            r#".metadata.annotations | .[keys[] | select(startswith("service.beta.kubernetes.io/aws-load-balancer-"))]"#,
            JQ_TIMEOUT,
        )
        .expect("valid expression");
        assert_eq!(
            paths,
            vec![vec![
                Step::Key("metadata".into()),
                Step::Key("annotations".into()),
                Step::Key("service.beta.kubernetes.io/aws-load-balancer-type".into())
            ]]
        );
    }

    #[test]
    fn a_quoted_key_with_a_star_is_literal_as_in_jq() {
        let svc = json!({"metadata": {"annotations": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"
        }}});
        let paths = selected_paths(
            &svc,
            r#".metadata.annotations."service.beta.kubernetes.io/aws-load-balancer-*""#,
            JQ_TIMEOUT,
        )
        .expect("valid expression");
        assert_eq!(
            paths,
            vec![vec![
                Step::Key("metadata".into()),
                Step::Key("annotations".into()),
                Step::Key("service.beta.kubernetes.io/aws-load-balancer-*".into())
            ]]
        );
    }

    #[test]
    fn syntax_errors_are_reported() {
        let err = selected_paths(&json!({}), ".spec[", JQ_TIMEOUT).expect_err("broken");
        assert!(err.contains("does not parse"), "{err}");
    }

    #[test]
    fn runaway_expressions_time_out() {
        let err = selected_paths(
            &json!({}),
            ".a | select(last(range(1e15)) > 0)",
            Duration::from_millis(50),
        )
        .expect_err("never ends");
        assert!(err.contains("did not finish"), "{err}");
        let again = selected_paths(&json!({}), ".a | select(last(range(1e15)) > 0)", JQ_TIMEOUT)
            .expect_err("refused");
        assert!(again.contains("timed out before"), "{again}");
    }
}
