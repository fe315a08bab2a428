use serde_json::json;

use super::job_spec;
use crate::sandbox::controllers::next_wakeup;
use crate::sandbox::controllers::testing::FakeCluster;

fn cronjob(schedule: &str) -> serde_json::Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {
            "schedule": schedule, "concurrencyPolicy": "Allow", "suspend": false,
            "successfulJobsHistoryLimit": 2, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"metadata": {"labels": {"team": "data"}}, "spec": job_spec("busybox")}
        }
    })
}

#[test]
fn creates_jobs_on_schedule_and_keeps_history() {
    let mut cluster = FakeCluster::new();
    cluster.create(cronjob("*/5 * * * *"));
    cluster.settle();
    assert!(cluster.all("batch", "Job").is_empty());
    let next = next_wakeup(&cluster, cluster.now).unwrap();
    assert_eq!(next.to_string(), "2026-01-01T00:05:00Z");
    cluster.run_for(300);
    let jobs = cluster.all("batch", "Job");
    assert_eq!(jobs.len(), 1);
    let job = jobs[0].clone();
    let expected = format!("nightly-{}", next.as_second() / 60);
    assert_eq!(job["metadata"]["name"], expected.as_str());
    assert_eq!(job["metadata"]["labels"]["team"], "data");
    assert_eq!(
        job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"],
        "2026-01-01T00:05:00Z"
    );
    let cj = cluster.get_obj("batch", "CronJob", "shop", "nightly");
    assert_eq!(cj["status"]["lastScheduleTime"], "2026-01-01T00:05:00Z");
    assert_eq!(cj["status"]["active"][0]["name"], expected.as_str());
    cluster.run_for(60);
    let cj = cluster.get_obj("batch", "CronJob", "shop", "nightly");
    assert!(cj["status"].get("active").is_none());
    assert_eq!(cj["status"]["lastSuccessfulTime"], "2026-01-01T00:05:05Z");
    let saw = cluster.events_with_reason("SawCompletedJob");
    assert_eq!(
        saw[0]["message"],
        format!("Saw completed job: {expected}, condition: Complete")
    );
    cluster.run_for(1200);
    assert_eq!(
        cluster.all("batch", "Job").len(),
        2,
        "successfulJobsHistoryLimit"
    );
    assert!(!cluster.events_with_reason("SuccessfulDelete").is_empty());
}

#[test]
fn suspended_cronjob_creates_nothing() {
    let mut cluster = FakeCluster::new();
    let mut cj = cronjob("* * * * *");
    cj["spec"]["suspend"] = json!(true);
    cluster.create(cj);
    cluster.run_for(600);
    assert!(cluster.all("batch", "Job").is_empty());
    assert_eq!(next_wakeup(&cluster, cluster.now), None);
}

#[test]
fn forbid_skips_while_a_job_runs_and_replace_swaps_it() {
    let mut cluster = FakeCluster::new();
    let mut cj = cronjob("* * * * *");
    cj["spec"]["concurrencyPolicy"] = json!("Forbid");
    cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!("never/pullerror");
    let key = cluster.create(cj);
    cluster.run_for(130);
    assert_eq!(
        cluster.all("batch", "Job").len(),
        1,
        "the stuck job blocks the next ones"
    );
    assert!(!cluster.events_with_reason("JobAlreadyActive").is_empty());
    cluster.edit(&key, |c| c["spec"]["concurrencyPolicy"] = json!("Replace"));
    cluster.run_for(60);
    let jobs = cluster.all("batch", "Job");
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0]["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"],
        "2026-01-01T00:03:00Z"
    );
}
