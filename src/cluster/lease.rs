//! The operation lock: a coordination.k8s.io/v1 Lease per app in the
//! `plumb-system` namespace of the destination cluster. The holder renews
//! it while the operation runs; a holder that died stops renewing and its
//! lease can be taken over once `leaseDurationSeconds` have passed.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::cluster_ref::ClusterRef;
use super::error::ClusterError;
use crate::model::ResourceKey;

/// Where plumb keeps its locks and runtime state.
pub const SYSTEM_NAMESPACE: &str = "plumb-system";

/// How long a lease lives without renewal, unless `PLUMB_LEASE_SECONDS` says otherwise.
pub const LEASE_DURATION: Duration = Duration::from_secs(30);

/// The environment variable that shortens (or lengthens) the lease: whole
/// seconds, at least 1. Tests set it to see a dead holder's lease expire quickly.
pub const LEASE_SECONDS_ENV: &str = "PLUMB_LEASE_SECONDS";

/// The lease duration this process uses: `PLUMB_LEASE_SECONDS` when it holds
/// a positive whole number, else [`LEASE_DURATION`].
pub fn lease_duration() -> Duration {
    lease_duration_from(std::env::var(LEASE_SECONDS_ENV).ok().as_deref())
}

fn lease_duration_from(value: Option<&str>) -> Duration {
    match value.map(|v| v.trim().parse::<u64>()) {
        None => LEASE_DURATION,
        Some(Ok(seconds)) if seconds > 0 => Duration::from_secs(seconds),
        Some(_) => {
            tracing::warn!(
                value = value.unwrap_or_default(),
                "{LEASE_SECONDS_ENV} is not a positive whole number of seconds; using {}s",
                LEASE_DURATION.as_secs()
            );
            LEASE_DURATION
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LockError {
    #[error("operation in progress, held by {holder} since {since}")]
    Held { holder: String, since: String },
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Who runs operations from this process: `user@host`.
pub fn local_holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

/// The lease identity of `holder` in this process: `user@host (pid N)`.
/// Two plumb processes of the same user on the same host are two holders,
/// so the second is refused rather than taking the first one's lock.
pub fn process_identity(holder: &str) -> String {
    format!("{holder} (pid {})", std::process::id())
}

/// A held lease; renewed in the background until [`OperationLease::release`]
/// (or drop, which stops renewing and lets it expire).
pub struct OperationLease {
    cluster: ClusterRef,
    name: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl ClusterRef {
    /// Creates `plumb-system` unless it exists.
    pub async fn ensure_system_namespace(&self) -> Result<(), ClusterError> {
        let key = ResourceKey::new("", "Namespace", "", SYSTEM_NAMESPACE);
        if self.get(&key).await?.is_some() {
            return Ok(());
        }
        let namespace = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": SYSTEM_NAMESPACE,
                "labels": {"app.kubernetes.io/managed-by": "plumb"}}
        });
        match self.create(&namespace, false).await {
            Ok(_) | Err(ClusterError::Api { code: 409, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Takes the operation lock of `app` for `holder`, or says who holds it.
    pub async fn acquire_lease(
        &self,
        app: &str,
        holder: &str,
        duration: Duration,
    ) -> Result<OperationLease, LockError> {
        self.ensure_system_namespace().await?;
        let name = lease_name(app);
        let key = ResourceKey::new("coordination.k8s.io", "Lease", SYSTEM_NAMESPACE, &name);
        loop {
            let now = Timestamp::now();
            let written = match self.get(&key).await? {
                None => {
                    self.create(&lease_object(&name, holder, duration, now), false)
                        .await
                }
                Some(live) => {
                    if let Some(held) = held_by_other(&live, holder, now) {
                        return Err(held);
                    }
                    let version = live["metadata"]["resourceVersion"]
                        .as_str()
                        .map(str::to_owned);
                    let mut lease = lease_object(&name, holder, duration, now);
                    lease["metadata"]["resourceVersion"] = json!(version);
                    self.update(&lease).await
                }
            };
            match written {
                Ok(_) => break,
                // Someone else wrote the lease in between: look again.
                Err(ClusterError::Api { code: 409, .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let renewal = tokio::spawn(renew(self.clone(), key, holder.to_owned(), duration));
        Ok(OperationLease {
            cluster: self.clone(),
            name,
            renewal,
        })
    }
}

impl OperationLease {
    /// Stops renewing and deletes the lease so the next operation need not wait.
    pub async fn release(self) -> Result<(), ClusterError> {
        self.renewal.abort();
        let key = ResourceKey::new("coordination.k8s.io", "Lease", SYSTEM_NAMESPACE, &self.name);
        self.cluster
            .delete(&key, crate::engine::policy::Propagation::Background, false)
            .await
            .map(drop)
    }
}

impl Drop for OperationLease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// Renews every third of the lease duration while the lease is ours.
async fn renew(cluster: ClusterRef, key: ResourceKey, holder: String, duration: Duration) {
    loop {
        tokio::time::sleep(duration / 3).await;
        let live = match cluster.get(&key).await {
            Ok(Some(live)) => live,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(lease = %key.name, %error, "cannot read the operation lease");
                continue;
            }
        };
        if live.pointer("/spec/holderIdentity").and_then(Value::as_str) != Some(holder.as_str()) {
            tracing::warn!(lease = %key.name, "the operation lease was taken over");
            return;
        }
        let mut lease = live.clone();
        lease["spec"]["renewTime"] = json!(micro_time(Timestamp::now()));
        if let Err(error) = cluster.update(&lease).await {
            tracing::warn!(lease = %key.name, %error, "cannot renew the operation lease");
        }
    }
}

pub fn lease_name(app: &str) -> String {
    format!("plumb-op-{app}")
}

fn lease_object(name: &str, holder: &str, duration: Duration, now: Timestamp) -> Value {
    let now = micro_time(now);
    json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": SYSTEM_NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "plumb"}},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": duration.as_secs(),
            "acquireTime": now,
            "renewTime": now,
        }
    })
}

/// `Held` when another holder renewed the lease within its duration.
fn held_by_other(live: &Value, holder: &str, now: Timestamp) -> Option<LockError> {
    let spec = live.get("spec")?;
    let other = spec
        .get("holderIdentity")?
        .as_str()
        .filter(|h| !h.is_empty())?;
    if other == holder {
        return None;
    }
    let renewed: Timestamp = spec
        .get("renewTime")
        .or_else(|| spec.get("acquireTime"))?
        .as_str()?
        .parse()
        .ok()?;
    let seconds = spec.get("leaseDurationSeconds")?.as_i64()?;
    let expires = renewed
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .ok()?;
    if expires <= now {
        return None;
    }
    let since = spec
        .get("acquireTime")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(LockError::Held {
        holder: other.to_owned(),
        since,
    })
}

/// A Kubernetes MicroTime: RFC 3339 with microseconds.
fn micro_time(at: Timestamp) -> String {
    format!("{at:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, renewed: &str) -> Value {
        json!({"spec": {"holderIdentity": holder, "leaseDurationSeconds": 30,
            "acquireTime": "2026-01-01T00:00:00.000000Z", "renewTime": renewed}})
    }

    #[test]
    fn a_live_lease_of_someone_else_is_held_until_it_expires() {
        let live = lease("ana@laptop", "2026-01-01T00:00:10.000000Z");
        let during: Timestamp = "2026-01-01T00:00:39Z".parse().unwrap();
        let after: Timestamp = "2026-01-01T00:00:40Z".parse().unwrap();
        let held = held_by_other(&live, "bo@desk", during).expect("held");
        assert_eq!(
            held.to_string(),
            "operation in progress, held by ana@laptop since 2026-01-01T00:00:00.000000Z"
        );
        assert_eq!(held_by_other(&live, "bo@desk", after), None);
        assert_eq!(held_by_other(&live, "ana@laptop", during), None);
    }

    #[test]
    fn lease_seconds_from_the_environment_value() {
        assert_eq!(lease_duration_from(None), LEASE_DURATION);
        assert_eq!(lease_duration_from(Some("3")), Duration::from_secs(3));
        assert_eq!(lease_duration_from(Some("0")), LEASE_DURATION);
        assert_eq!(lease_duration_from(Some("soon")), LEASE_DURATION);
    }

    #[test]
    fn micro_time_has_six_fraction_digits() {
        let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(micro_time(at), "2026-01-01T00:00:00.000000Z");
    }
}
