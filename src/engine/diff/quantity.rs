//! Resource quantities in the canonical form the API server stores them
//! (`0.5` → `500m`, `1024Mi` → `1Gi`, `2000` → `2k`), so that equal amounts
//! written differently do not count as drift.

use serde_json::Value;

const NANO: i128 = 1_000_000_000;
const DECIMAL_SUFFIXES: [(i32, &str); 10] = [
    (-9, "n"),
    (-6, "u"),
    (-3, "m"),
    (0, ""),
    (3, "k"),
    (6, "M"),
    (9, "G"),
    (12, "T"),
    (15, "P"),
    (18, "E"),
];
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// A parsed quantity: its amount in billionths (rounded up) and its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quantity {
    nanos: i128,
    format: Format,
}

fn parse(text: &str) -> Option<Quantity> {
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let number_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let fraction_len = u32::try_from(fraction.len()).ok()?;
    let (format, multiplier_num, ten_power) = match suffix {
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let index = BINARY_SUFFIXES.iter().position(|s| *s == suffix)?;
            let power = 1024_i128.checked_pow(u32::try_from(index).ok()?)?;
            (Format::BinarySi, power, 0)
        }
        _ if suffix.starts_with(['e', 'E']) => {
            let exponent: i32 = suffix[1..].parse().ok()?;
            (Format::DecimalExponent, 1, exponent)
        }
        _ => {
            let (exponent, _) = DECIMAL_SUFFIXES.iter().find(|(_, s)| *s == suffix)?;
            (Format::DecimalSi, 1, *exponent)
        }
    };
    // nanos = digits * multiplier * 10^(ten_power + 9 - fraction_len), rounded up.
    let scale = ten_power + 9 - i32::try_from(fraction_len).ok()?;
    let scaled = digits.checked_mul(multiplier_num)?;
    let nanos = if scale >= 0 {
        scaled.checked_mul(10_i128.checked_pow(scale.unsigned_abs())?)?
    } else {
        let divisor = 10_i128.checked_pow(scale.unsigned_abs())?;
        (scaled + divisor - 1) / divisor
    };
    Some(Quantity {
        nanos: if negative { -nanos } else { nanos },
        format,
    })
}

fn canonical(quantity: Quantity) -> String {
    let Quantity { nanos, mut format } = quantity;
    if format == Format::BinarySi {
        let small = nanos.abs() < 1024 * NANO;
        if small || nanos % NANO != 0 {
            format = Format::DecimalSi;
        }
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.abs();
    if magnitude == 0 {
        return "0".into();
    }
    if format == Format::BinarySi {
        let mut units = magnitude / NANO;
        let mut index = 0;
        while index + 1 < BINARY_SUFFIXES.len() && units % 1024 == 0 {
            units /= 1024;
            index += 1;
        }
        return format!("{sign}{units}{}", BINARY_SUFFIXES[index]);
    }
    let mut mantissa = magnitude;
    let mut exponent = -9;
    while exponent < 18 && mantissa % 1000 == 0 {
        mantissa /= 1000;
        exponent += 3;
    }
    match format {
        Format::DecimalExponent if exponent == 0 => format!("{sign}{mantissa}"),
        Format::DecimalExponent => format!("{sign}{mantissa}e{exponent}"),
        _ => {
            let suffix = DECIMAL_SUFFIXES
                .iter()
                .find(|(e, _)| *e == exponent)
                .map_or("", |(_, s)| s);
            format!("{sign}{mantissa}{suffix}")
        }
    }
}

/// The canonical form of a quantity value, or `None` when it is not one.
pub fn canonical_quantity(value: &Value) -> Option<Value> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    parse(&text).map(|q| Value::String(canonical(q)))
}

/// Rewrites the quantities of a built-in object into canonical form: the
/// `limits` / `requests` of any `resources`, pod `overhead`, `sizeLimit`,
/// and the kind-specific maps (ResourceQuota `hard`, LimitRange limits,
/// PersistentVolume `capacity`, HPA metric targets). Values that do not
/// parse stay as they are (the server would reject them).
pub fn canonicalize_quantities(object: &mut Value, kind: &str) {
    let kind_maps: &[&str] = match kind {
        "ResourceQuota" => &["hard", "used"],
        "LimitRange" => &[
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ],
        "PersistentVolume" | "Node" => &["capacity", "allocatable"],
        "HorizontalPodAutoscaler" => &["target", "current"],
        _ => &[],
    };
    walk(object, None, kind_maps);
}

fn walk(value: &mut Value, parent: Option<&str>, kind_maps: &[&str]) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let amounts = matches!(
                    (parent, key.as_str()),
                    (Some("resources"), "limits" | "requests") | (_, "overhead")
                ) || kind_maps.contains(&key.as_str());
                if amounts && let Value::Object(amounts) = child {
                    amounts
                        .iter_mut()
                        .filter(|(name, _)| !is_hpa_non_quantity(name))
                        .for_each(|(_, amount)| canonicalize(amount));
                } else if key == "sizeLimit" {
                    canonicalize(child);
                } else {
                    walk(child, Some(key), kind_maps);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| walk(item, parent, kind_maps)),
        _ => {}
    }
}

/// HPA metric targets mix quantities with a type and a percentage.
fn is_hpa_non_quantity(name: &str) -> bool {
    matches!(name, "type" | "averageUtilization")
}

fn canonicalize(amount: &mut Value) {
    if let Some(canonical) = canonical_quantity(amount) {
        *amount = canonical;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        canonical(parse(text).unwrap_or_else(|| panic!("{text} parses")))
    }

    #[test]
    fn canonical_forms_match_the_api_server() {
        assert_eq!(canon("0.5"), "500m");
        assert_eq!(canon("500m"), "500m");
        assert_eq!(canon("1000m"), "1");
        assert_eq!(canon("1024Mi"), "1Gi");
        assert_eq!(canon("1536Mi"), "1536Mi");
        assert_eq!(canon("1.5Gi"), "1536Mi");
        assert_eq!(canon("2000"), "2k");
        assert_eq!(canon("1500"), "1500");
        assert_eq!(canon("512Ki"), "512Ki");
        assert_eq!(canon("100Mi"), "100Mi");
        assert_eq!(canon("1e3"), "1e3");
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("-1.5"), "-1500m");
        assert_eq!(canon("1000Mi"), "1000Mi");
        assert!(parse("12abc").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn numbers_and_strings_in_resources_become_equal() {
        let mut a = json!({"resources": {"limits": {"cpu": 0.5, "memory": "1024Mi"}}});
        let mut b = json!({"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}});
        canonicalize_quantities(&mut a, "Pod");
        canonicalize_quantities(&mut b, "Pod");
        assert_eq!(a, b);
        assert_eq!(a["resources"]["limits"]["cpu"], "500m");
    }

    #[test]
    fn only_quantity_fields_are_rewritten() {
        let mut config = json!({"data": {"storage": "2000", "limits": "1000m"}});
        let before = config.clone();
        canonicalize_quantities(&mut config, "ConfigMap");
        assert_eq!(config, before);
        let mut hpa = json!({"spec": {"metrics": [{"resource": {"target": {
            "type": "AverageValue", "averageValue": 0.5}}}]}});
        canonicalize_quantities(&mut hpa, "HorizontalPodAutoscaler");
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"],
            json!({"type": "AverageValue", "averageValue": "500m"})
        );
        let mut pvc = json!({"spec": {"resources": {"requests": {"storage": "1024Mi"}}}});
        canonicalize_quantities(&mut pvc, "PersistentVolumeClaim");
        assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "1Gi");
    }
}
