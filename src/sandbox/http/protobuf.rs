//! The Kubernetes protobuf encoding, for the few kinds kubectl's imperative
//! commands (`create configmap|secret|namespace|serviceaccount`) send that
//! way. Other kinds in protobuf get 415, like an unsupported patch type.

use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Every protobuf body starts with `k8s\0`.
const MAGIC: &[u8] = b"k8s\0";

/// One decoded field: number and payload.
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let tag = varint(buf, &mut pos)?;
        let field = match tag & 7 {
            0 => Field::Varint(varint(buf, &mut pos)?),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let bytes = buf.get(pos..pos.checked_add(len)?)?;
                pos += len;
                Field::Bytes(bytes)
            }
            1 => {
                pos += 8;
                continue;
            }
            5 => {
                pos += 4;
                continue;
            }
            _ => return None,
        };
        out.push((tag >> 3, field));
    }
    Some(out)
}

fn text(b: &[u8]) -> Option<String> {
    String::from_utf8(b.to_vec()).ok()
}

/// A `map<string, string>` (or bytes, base64-encoded as JSON does) entry.
fn map_entry(b: &[u8], bytes_values: bool) -> Option<(String, Value)> {
    let mut key = String::new();
    let mut value = Value::String(String::new());
    for (n, f) in fields(b)? {
        match (n, f) {
            (1, Field::Bytes(k)) => key = text(k)?,
            (2, Field::Bytes(v)) if bytes_values => {
                value = json!(base64::engine::general_purpose::STANDARD.encode(v));
            }
            (2, Field::Bytes(v)) => value = json!(text(v)?),
            _ => {}
        }
    }
    Some((key, value))
}

fn object_meta(b: &[u8]) -> Option<Value> {
    let mut m = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut finalizers = Vec::new();
    for (n, f) in fields(b)? {
        match (n, f) {
            (1, Field::Bytes(v)) => drop(m.insert("name".into(), json!(text(v)?))),
            (2, Field::Bytes(v)) => drop(m.insert("generateName".into(), json!(text(v)?))),
            (3, Field::Bytes(v)) => drop(m.insert("namespace".into(), json!(text(v)?))),
            (11, Field::Bytes(v)) => {
                let (k, val) = map_entry(v, false)?;
                labels.insert(k, val);
            }
            (12, Field::Bytes(v)) => {
                let (k, val) = map_entry(v, false)?;
                annotations.insert(k, val);
            }
            (14, Field::Bytes(v)) => finalizers.push(json!(text(v)?)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        m.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        m.insert("annotations".into(), Value::Object(annotations));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), Value::Array(finalizers));
    }
    Some(Value::Object(m))
}

/// Decodes ConfigMap, Secret, Namespace and ServiceAccount bodies; `None`
/// for anything else or for malformed input.
pub fn decode(body: &[u8]) -> Option<Value> {
    let envelope = body.strip_prefix(MAGIC)?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (n, f) in fields(envelope)? {
        match (n, f) {
            (1, Field::Bytes(type_meta)) => {
                for (tn, tf) in fields(type_meta)? {
                    match (tn, tf) {
                        (1, Field::Bytes(v)) => api_version = text(v)?,
                        (2, Field::Bytes(v)) => kind = text(v)?,
                        _ => {}
                    }
                }
            }
            (2, Field::Bytes(v)) => raw = v,
            _ => {}
        }
    }
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(api_version));
    out.insert("kind".into(), json!(kind));
    let (data_field, bytes_values) = match (api_version.as_str(), kind.as_str()) {
        ("v1", "ConfigMap") => (Some(("data", 2u64)), false),
        ("v1", "Secret") => (Some(("data", 2u64)), true),
        ("v1", "Namespace" | "ServiceAccount") => (None, false),
        _ => return None,
    };
    let mut data = Map::new();
    let mut binary = Map::new();
    for (n, f) in fields(raw)? {
        match (n, f) {
            (1, Field::Bytes(v)) => drop(out.insert("metadata".into(), object_meta(v)?)),
            (n, Field::Bytes(v)) if data_field.is_some_and(|(_, num)| num == n) => {
                let (k, val) = map_entry(v, bytes_values)?;
                data.insert(k, val);
            }
            (3, Field::Bytes(v)) if kind == "ConfigMap" => {
                let (k, val) = map_entry(v, true)?;
                binary.insert(k, val);
            }
            (3, Field::Bytes(v)) if kind == "Secret" => {
                drop(out.insert("type".into(), json!(text(v)?)))
            }
            (4, Field::Varint(v)) if kind == "ConfigMap" => {
                drop(out.insert("immutable".into(), json!(v != 0)))
            }
            (5, Field::Varint(v)) if kind == "Secret" => {
                drop(out.insert("immutable".into(), json!(v != 0)))
            }
            (4, Field::Varint(v)) if kind == "ServiceAccount" => {
                drop(out.insert("automountServiceAccountToken".into(), json!(v != 0)));
            }
            _ => {}
        }
    }
    if !data.is_empty() {
        out.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        out.insert("binaryData".into(), Value::Object(binary));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_field(n: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![u8::try_from((n << 3) | 2).expect("small field number")];
        out.push(u8::try_from(payload.len()).expect("short payload"));
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn decodes_a_configmap_as_kubectl_create_sends_it() {
        let meta = [
            bytes_field(1, b"cfg"),
            bytes_field(
                11,
                &[bytes_field(1, b"app"), bytes_field(2, b"web")].concat(),
            ),
        ]
        .concat();
        let entry = [bytes_field(1, b"a"), bytes_field(2, b"1")].concat();
        let raw = [bytes_field(1, &meta), bytes_field(2, &entry)].concat();
        let type_meta = [bytes_field(1, b"v1"), bytes_field(2, b"ConfigMap")].concat();
        let body = [
            MAGIC.to_vec(),
            bytes_field(1, &type_meta),
            bytes_field(2, &raw),
        ]
        .concat();
        assert_eq!(
            decode(&body),
            Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cfg", "labels": {"app": "web"}}, "data": {"a": "1"}}))
        );
        assert_eq!(decode(b"{}"), None);
    }
}
