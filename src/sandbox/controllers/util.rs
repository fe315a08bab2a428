//! Small helpers shared by the simulated controllers: reading fields of
//! untyped objects, timestamps, deterministic names and hashes, label
//! selectors and conditions.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The characters Kubernetes uses for generated name suffixes and hashes
/// (no vowels, no look-alike digits).
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The value at a path of object keys, if every step exists.
pub fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |cur, key| cur.get(key))
}

pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

pub fn int_at(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(Value::as_i64)
}

pub fn bool_at(obj: &Value, path: &[&str]) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}

pub fn uid_of(obj: &Value) -> &str {
    str_at(obj, &["metadata", "uid"])
}

pub fn generation_of(obj: &Value) -> i64 {
    int_at(obj, &["metadata", "generation"]).unwrap_or(0)
}

pub fn is_deleting(obj: &Value) -> bool {
    at(obj, &["metadata", "deletionTimestamp"]).is_some_and(|v| !v.is_null())
}

/// A Kubernetes timestamp (RFC 3339, whole seconds, UTC).
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn time_value(t: Timestamp) -> Value {
    Value::String(format_time(t))
}

pub fn parse_time(v: Option<&Value>) -> Option<Timestamp> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

pub fn time_at(obj: &Value, path: &[&str]) -> Option<Timestamp> {
    parse_time(at(obj, path))
}

/// When an object was created; objects without a timestamp count as created at `now`.
pub fn created_at(obj: &Value, now: Timestamp) -> Timestamp {
    time_at(obj, &["metadata", "creationTimestamp"]).unwrap_or(now)
}

pub fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// `t + n seconds`, saturating at the end of representable time.
pub fn plus_secs(t: Timestamp, n: i64) -> Timestamp {
    t.checked_add(secs(n)).unwrap_or(Timestamp::MAX)
}

/// A stable 64-bit hash of some strings.
pub fn hash_parts(parts: &[&str]) -> u64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// Five "random-looking" characters for a pod name, fixed by the seed.
pub fn name_suffix(parts: &[&str]) -> String {
    let mut n = hash_parts(parts);
    let mut out = String::with_capacity(5);
    for _ in 0..5 {
        let idx = (n % SAFE_ALPHABET.len() as u64) as usize;
        out.push(char::from(SAFE_ALPHABET[idx]));
        n /= SAFE_ALPHABET.len() as u64;
    }
    out
}

/// Sorts every map's keys so equal documents hash alike however they were written.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), canonical(&map[k])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// A pod template without the labels controllers add, for comparing templates.
pub fn template_without(template: &Value, label_key: &str) -> Value {
    let mut t = canonical(template);
    if let Some(labels) = t
        .get_mut("metadata")
        .and_then(|m| m.get_mut("labels"))
        .and_then(Value::as_object_mut)
    {
        labels.remove(label_key);
    }
    if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("creationTimestamp");
    }
    t
}

/// The hash Kubernetes puts in `pod-template-hash` / `controller-revision-hash`:
/// a 32-bit hash of the template written with the safe alphabet.
pub fn template_hash(template: &Value, label_key: &str, collision_count: i64) -> String {
    let text = template_without(template, label_key).to_string();
    let n = (hash_parts(&[&text, &collision_count.to_string()]) & 0xffff_ffff) as u32;
    n.to_string()
        .bytes()
        .map(|b| char::from(SAFE_ALPHABET[usize::from(b) % SAFE_ALPHABET.len()]))
        .collect()
}

/// Resolves an int-or-percent field (`maxSurge: 25%`) against a total.
pub fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: i64) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => {
            let Some(pct) = s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) else {
                return s.parse().unwrap_or(default);
            };
            let scaled = pct * total;
            if round_up {
                (scaled + 99) / 100
            } else {
                scaled / 100
            }
        }
        _ => default,
    }
}

pub fn labels_of(obj: &Value) -> Map<String, Value> {
    at(obj, &["metadata", "labels"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The uid of `obj`'s controller (its ownerReference with `controller: true`).
pub fn controller_uid(obj: &Value) -> Option<&str> {
    at(obj, &["metadata", "ownerReferences"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| bool_at(r, &["controller"]))
        .map(|r| str_at(r, &["uid"]))
}

/// The ownerReference a controller sets on what it creates.
pub fn controller_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": str_at(owner, &["apiVersion"]),
        "kind": str_at(owner, &["kind"]),
        "name": str_at(owner, &["metadata", "name"]),
        "uid": uid_of(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Sets a condition in a list. An identical condition (status, reason,
/// message) is left as it is; otherwise `lastTransitionTime` is kept when only
/// the reason or message changed. `condition` carries everything else.
pub fn set_condition(conditions: &mut Vec<Value>, mut condition: Value, now: Timestamp) {
    let kind = str_at(&condition, &["type"]).to_owned();
    let status = str_at(&condition, &["status"]).to_owned();
    let existing = conditions.iter().position(|c| str_at(c, &["type"]) == kind);
    if let Some(old) = existing.map(|i| &conditions[i]) {
        let same = |field: &str| str_at(old, &[field]) == str_at(&condition, &[field]);
        if same("status") && same("reason") && same("message") {
            return;
        }
    }
    let transition = match existing.map(|i| &conditions[i]) {
        Some(old) if str_at(old, &["status"]) == status => old
            .get("lastTransitionTime")
            .cloned()
            .unwrap_or_else(|| time_value(now)),
        _ => time_value(now),
    };
    if let Some(map) = condition.as_object_mut() {
        map.insert("lastTransitionTime".into(), transition);
    }
    match existing {
        Some(i) => conditions[i] = condition,
        None => conditions.push(condition),
    }
}

pub fn conditions_of(obj: &Value) -> Vec<Value> {
    at(obj, &["status", "conditions"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub fn find_condition<'a>(conditions: &'a [Value], kind: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| str_at(c, &["type"]) == kind)
}

/// A Go-style duration (`10s`, `1m20s`, `5m0s`), as Kubernetes prints back-offs.
pub fn go_duration(total_secs: i64) -> String {
    let (h, m, s) = (total_secs / 3600, (total_secs % 3600) / 60, total_secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_as_kubernetes_does() {
        let pct = json!("25%");
        assert_eq!(int_or_percent(Some(&pct), 3, true, 0), 1);
        assert_eq!(int_or_percent(Some(&pct), 3, false, 0), 0);
        assert_eq!(int_or_percent(Some(&json!(2)), 3, false, 0), 2);
        assert_eq!(int_or_percent(None, 3, false, 7), 7);
    }

    #[test]
    fn template_hash_ignores_key_order_and_hash_label() {
        let a = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"x": 1, "y": 2}});
        let b = json!({"spec": {"y": 2, "x": 1}, "metadata": {"labels": {"app": "web", "pod-template-hash": "zz"}}});
        let c = json!({"spec": {"y": 3, "x": 1}, "metadata": {"labels": {"app": "web"}}});
        let ha = template_hash(&a, "pod-template-hash", 0);
        assert_eq!(ha, template_hash(&b, "pod-template-hash", 0));
        assert_ne!(ha, template_hash(&c, "pod-template-hash", 0));
        assert!(ha.bytes().all(|ch| SAFE_ALPHABET.contains(&ch)));
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(10), "10s");
        assert_eq!(go_duration(80), "1m20s");
        assert_eq!(go_duration(300), "5m0s");
    }
}
