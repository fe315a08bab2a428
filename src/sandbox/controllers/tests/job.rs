use serde_json::json;

use super::{condition, job};
use crate::sandbox::controllers::testing::FakeCluster;

#[test]
fn job_completes_with_conditions() {
    let mut cluster = FakeCluster::new();
    cluster.create(job("migrate", "migrate:1"));
    cluster.settle();
    let j = cluster.get_obj("batch", "Job", "shop", "migrate");
    assert_eq!(j["status"]["active"], 1);
    assert_eq!(j["status"]["startTime"], "2026-01-01T00:00:00Z");
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(pod["metadata"]["labels"]["job-name"], "migrate");
    assert!(
        pod["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("migrate-")
    );
    cluster.run_for(3);
    let j = cluster.get_obj("batch", "Job", "shop", "migrate");
    assert_eq!(j["status"]["ready"], 1);
    cluster.run_for(10);
    let j = cluster.get_obj("batch", "Job", "shop", "migrate");
    assert_eq!(j["status"]["succeeded"], 1);
    assert!(j["status"].get("active").is_none());
    assert_eq!(j["status"]["completionTime"], "2026-01-01T00:00:05Z");
    assert_eq!(condition(j, "Complete")["status"], "True");
    assert_eq!(condition(j, "Complete")["reason"], "CompletionsReached");
    assert_eq!(condition(j, "SuccessCriteriaMet")["status"], "True");
    let pod = cluster.all("", "Pod")[0].clone();
    assert_eq!(pod["status"]["phase"], "Succeeded");
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(condition(&pod, "Ready")["reason"], "PodCompleted");
    assert_eq!(
        cluster.events_with_reason("Completed")[0]["message"],
        "Job completed"
    );
}

#[test]
fn failing_image_hits_backoff_limit() {
    let mut cluster = FakeCluster::new();
    cluster.create(job("broken", "tools/fail:1"));
    cluster.run_for(60);
    let j = cluster.get_obj("batch", "Job", "shop", "broken");
    assert_eq!(
        j["status"]["failed"], 3,
        "backoffLimit 2 allows three attempts"
    );
    let failed = condition(j, "Failed");
    assert_eq!(failed["status"], "True");
    assert_eq!(failed["reason"], "BackoffLimitExceeded");
    assert_eq!(
        failed["message"],
        "Job has reached the specified backoff limit"
    );
    assert_eq!(
        condition(j, "FailureTarget")["reason"],
        "BackoffLimitExceeded"
    );
    let pods = cluster.all("", "Pod");
    assert_eq!(pods.len(), 3);
    for pod in pods {
        assert_eq!(pod["status"]["phase"], "Failed");
        assert_eq!(
            pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            1
        );
    }
    assert_eq!(
        cluster.events_with_reason("BackoffLimitExceeded")[0]["type"],
        "Warning"
    );
}

#[test]
fn active_deadline_fails_the_job() {
    let mut cluster = FakeCluster::new();
    let mut j = job("slow", "tools/crashloop:1");
    j["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
    j["spec"]["backoffLimit"] = json!(100);
    j["spec"]["activeDeadlineSeconds"] = json!(4);
    j["spec"]["template"]["spec"]["containers"][0]["image"] = json!("busybox");
    cluster.create(j);
    cluster.run_for(4);
    let j = cluster.get_obj("batch", "Job", "shop", "slow");
    assert_eq!(condition(j, "Failed")["reason"], "DeadlineExceeded");
    assert_eq!(
        condition(j, "Failed")["message"],
        "Job was active longer than specified deadline"
    );
    assert!(cluster.all("", "Pod").is_empty(), "active pods are deleted");
}

#[test]
fn suspended_job_runs_nothing_until_resumed() {
    let mut cluster = FakeCluster::new();
    let mut j = job("later", "busybox");
    j["spec"]["suspend"] = json!(true);
    let key = cluster.create(j);
    cluster.run_for(30);
    assert!(cluster.all("", "Pod").is_empty());
    let j = cluster.get_obj("batch", "Job", "shop", "later");
    assert_eq!(condition(j, "Suspended")["status"], "True");
    assert_eq!(condition(j, "Suspended")["reason"], "JobSuspended");
    assert!(j["status"].get("startTime").is_none());
    cluster.edit(&key, |j| j["spec"]["suspend"] = json!(false));
    cluster.run_for(30);
    let j = cluster.get_obj("batch", "Job", "shop", "later");
    assert_eq!(condition(j, "Suspended")["status"], "False");
    assert_eq!(condition(j, "Complete")["status"], "True");
}

#[test]
fn parallel_job_runs_up_to_parallelism() {
    let mut cluster = FakeCluster::new();
    let mut j = job("fan", "busybox");
    j["spec"]["parallelism"] = json!(2);
    j["spec"]["completions"] = json!(5);
    cluster.create(j);
    cluster.settle();
    assert_eq!(cluster.all("", "Pod").len(), 2);
    cluster.run_for(60);
    let j = cluster.get_obj("batch", "Job", "shop", "fan");
    assert_eq!(j["status"]["succeeded"], 5);
    assert_eq!(cluster.all("", "Pod").len(), 5);
}
