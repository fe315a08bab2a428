//! batch/v1 Job health from its conditions.

use serde_json::Value;

use super::builtin::CheckResult;
use super::fields::{conditions, str_at};
use super::{Health, HealthStatus};

pub(super) fn health(obj: &Value) -> CheckResult {
    let mut complete = false;
    let mut failed = false;
    let mut suspended = false;
    let mut failure_message = "";
    let mut message = "";
    for condition in conditions(obj) {
        let condition_message = str_at(condition, &["message"]);
        match str_at(condition, &["type"]) {
            "Failed" => {
                complete = true;
                failed = true;
                failure_message = condition_message;
            }
            "Complete" => {
                complete = true;
                message = condition_message;
            }
            "Suspended" => {
                complete = true;
                message = condition_message;
                suspended |= str_at(condition, &["status"]) == "True";
            }
            _ => {}
        }
    }
    let health = if !complete {
        Health::progressing(message)
    } else if failed {
        Health::degraded(failure_message)
    } else if suspended {
        Health::new(HealthStatus::Suspended, message)
    } else {
        Health::new(HealthStatus::Healthy, message)
    };
    Ok(health)
}
