//! Running a Lua health script under Argo CD's contract: the object in the
//! global `obj`, a table `{status, message}` back, a 1 s limit, and only the
//! base, table, package and a restricted os library unless open libraries are on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mlua::serde::SerializeOptions;
use mlua::{HookTriggers, Lua, LuaOptions, LuaSerdeExt, StdLib, Table, VmState};
use serde_json::Value;

use super::{Health, HealthStatus};

/// Argo CD stops a script after one second.
pub(super) const TIME_LIMIT: Duration = Duration::from_secs(1);
/// Guards the process against a script that allocates without bound.
const MEMORY_LIMIT: usize = 64 * 1024 * 1024;
/// How often (in VM instructions) the deadline is checked.
const DEADLINE_CHECK_INTERVAL: u32 = 1_000;
const INVALID_STATUS: &str = "Lua returned an invalid health status";

/// What a health script produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ScriptOutcome {
    /// A table with one of the six codes, or with an invalid code (then Unknown).
    Health(Health),
    /// `nil`, an empty table, or a table Argo CD cannot decode: a health with
    /// an empty status, which still stops the built-in check from running.
    EmptyStatus,
    /// The script failed, timed out, or returned a non-table.
    Failed(String),
}

impl ScriptOutcome {
    /// Argo CD's per-object result: failures become Unknown with the error.
    pub(super) fn into_health(self) -> Option<Health> {
        match self {
            ScriptOutcome::Health(health) => Some(health),
            ScriptOutcome::EmptyStatus => None,
            ScriptOutcome::Failed(error) => Some(Health::unknown(error)),
        }
    }
}

pub(super) fn run_health_script(obj: &Value, source: &str, open_libs: bool) -> ScriptOutcome {
    run_with_limit(obj, source, open_libs, TIME_LIMIT)
}

pub(super) fn run_with_limit(
    obj: &Value,
    source: &str,
    open_libs: bool,
    limit: Duration,
) -> ScriptOutcome {
    let timed_out = Arc::new(AtomicBool::new(false));
    match execute(obj, source, open_libs, limit, Arc::clone(&timed_out)) {
        Ok(outcome) => outcome,
        Err(_) if timed_out.load(Ordering::Relaxed) => ScriptOutcome::Failed(format!(
            "Lua script exceeded its {}s time limit: context deadline exceeded",
            limit.as_secs_f64()
        )),
        Err(error) => ScriptOutcome::Failed(describe(&error)),
    }
}

fn execute(
    obj: &Value,
    source: &str,
    open_libs: bool,
    limit: Duration,
    timed_out: Arc<AtomicBool>,
) -> mlua::Result<ScriptOutcome> {
    let lua = new_state(open_libs)?;
    let object = lua.to_value_with(
        obj,
        SerializeOptions::new()
            .set_array_metatable(false)
            .serialize_none_to_null(false)
            .serialize_unit_to_null(false),
    )?;
    lua.globals().set("obj", object)?;

    let deadline = Instant::now() + limit;
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(DEADLINE_CHECK_INTERVAL),
        move |_, _| {
            if Instant::now() >= deadline {
                timed_out.store(true, Ordering::Relaxed);
                Err(mlua::Error::runtime("context deadline exceeded"))
            } else {
                Ok(VmState::Continue)
            }
        },
    )?;
    let returned: mlua::MultiValue = lua.load(source).set_name("=<string>").eval()?;
    // Argo CD reads the top of the stack: the last value returned.
    let last = returned.into_iter().last().unwrap_or(mlua::Value::Nil);
    Ok(outcome_of(last))
}

fn new_state(open_libs: bool) -> mlua::Result<Lua> {
    let libs = if open_libs {
        StdLib::ALL_SAFE
    } else {
        StdLib::TABLE | StdLib::PACKAGE | StdLib::OS
    };
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    lua.set_memory_limit(MEMORY_LIMIT)?;
    if !open_libs {
        restrict_os(&lua)?;
    }
    Ok(lua)
}

/// Keeps only os.time, os.date and os.clock, also for `require("os")`.
fn restrict_os(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    let full: Table = globals.get("os")?;
    let safe = lua.create_table()?;
    for name in ["time", "date", "clock"] {
        safe.set(name, full.get::<mlua::Value>(name)?)?;
    }
    globals.set("os", &safe)?;
    let loaded: Table = globals.get::<Table>("package")?.get("loaded")?;
    loaded.set("os", safe)
}

fn outcome_of(value: mlua::Value) -> ScriptOutcome {
    let table = match value {
        mlua::Value::Nil => return ScriptOutcome::EmptyStatus,
        mlua::Value::Table(table) => table,
        other => {
            return ScriptOutcome::Failed(format!(
                "expect table output from Lua script, not {}",
                other.type_name()
            ));
        }
    };
    // Argo CD encodes the table as JSON: an empty or array-like table becomes
    // `[]`, and a field of the wrong type fails to decode; both give an empty status.
    let is_empty = table
        .clone()
        .pairs::<mlua::Value, mlua::Value>()
        .next()
        .is_none();
    if is_empty || table.raw_len() > 0 {
        return ScriptOutcome::EmptyStatus;
    }
    let (Some(status), Some(message)) = (
        optional_string(&table, "status"),
        optional_string(&table, "message"),
    ) else {
        return ScriptOutcome::EmptyStatus;
    };
    match HealthStatus::parse(&status.unwrap_or_default()) {
        Some(status) => ScriptOutcome::Health(Health::new(status, message.unwrap_or_default())),
        None => ScriptOutcome::Health(Health::unknown(INVALID_STATUS)),
    }
}

/// `Some(None)` when absent, `Some(Some(text))` for a string, `None` for another type.
fn optional_string(table: &Table, key: &str) -> Option<Option<String>> {
    match table.raw_get::<mlua::Value>(key) {
        Ok(mlua::Value::Nil) => Some(None),
        Ok(mlua::Value::String(text)) => Some(Some(text.to_string_lossy())),
        _ => None,
    }
}

fn without_traceback(message: &str) -> String {
    message
        .split_once("\nstack traceback:")
        .map_or(message, |(head, _)| head)
        .to_owned()
}

/// The innermost, readable message of a Lua error.
fn describe(error: &mlua::Error) -> String {
    match error {
        mlua::Error::CallbackError { cause, .. } => describe(cause),
        mlua::Error::RuntimeError(message) => without_traceback(message),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::MemoryError(_) => "Lua script exceeded its memory limit".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(source: &str, open_libs: bool) -> ScriptOutcome {
        run_health_script(&json!({"kind": "Widget"}), source, open_libs)
    }

    fn failure(outcome: ScriptOutcome) -> String {
        match outcome {
            ScriptOutcome::Failed(message) => message,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn runaway_allocation_hits_the_memory_limit() {
        let message = failure(run("return {message = string.rep('x', 2^30)}", true));
        assert!(message.contains("memory"), "{message}");
    }

    #[test]
    fn runtime_errors_name_the_line_without_a_traceback() {
        assert_eq!(
            failure(run("local x = nil\nreturn x.field", false)),
            "<string>:2: attempt to index local 'x' (a nil value)"
        );
    }

    #[test]
    fn unbounded_recursion_is_an_error_not_a_crash() {
        let message = failure(run(
            "local function f(n) return 1 + f(n + 1) end return f(1)",
            false,
        ));
        assert!(message.contains("stack overflow"), "{message}");
    }

    #[test]
    fn error_with_a_table_value_is_reported() {
        assert!(matches!(
            run("error({code = 1})", false),
            ScriptOutcome::Failed(_)
        ));
    }

    #[test]
    fn syntax_errors_are_reported() {
        let message = failure(run("return {status = ", false));
        assert!(message.starts_with("<string>:1:"), "{message}");
    }

    #[test]
    fn a_function_return_names_its_type() {
        assert_eq!(
            failure(run("return function() end", false)),
            "expect table output from Lua script, not function"
        );
    }

    #[test]
    fn io_is_absent_without_open_libs_and_present_with_them() {
        let script = "return {status = io == nil and 'Healthy' or 'Degraded'}";
        let closed = run(script, false).into_health().map(|h| h.status);
        let open = run(script, true).into_health().map(|h| h.status);
        assert_eq!(closed, Some(HealthStatus::Healthy));
        assert_eq!(open, Some(HealthStatus::Degraded));
    }

    #[test]
    fn every_status_code_round_trips() {
        for status in HealthStatus::ALL {
            let script = format!("return {{status = '{status}', message = 'm'}}");
            assert_eq!(
                run(&script, false),
                ScriptOutcome::Health(Health::new(status, "m"))
            );
        }
    }
}
