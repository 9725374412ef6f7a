//! Helpers shared by the oracle tests: a tiny reader for the fixtures' CSV and a recursive
//! comparison of our JSON with the oracle's (every key the oracle wrote, within 1e-9).

#![allow(dead_code)]

use delphi_stats::{Dataset, DatasetBuilder};
use serde_json::Value;

/// Oracle fields that are diagnostics only (other software's conventions), not platform output.
pub const DIAGNOSTIC_KEYS: &[&str] = &[
    "quantiles_by_type",
    "q1_t8",
    "q3_t8",
    "iqr_t8",
    "wilcoxon_scipy",
    "p_exact_scipy_binomtest",
];

/// Reads `round,item_id,panellist_id,stakeholder_group,rating` (no quoting in fixtures).
pub fn load_csv(text: &str, scale_min: i32, scale_max: i32) -> Dataset {
    let mut builder = DatasetBuilder::new(scale_min, scale_max).expect("scale");
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 5, "line {}: {line}", n + 1);
        let rating = f[4].trim();
        let rating = (!rating.is_empty()).then(|| rating.parse::<i64>().expect("integer rating"));
        builder
            .add(f[0].parse().expect("round"), f[1], f[2], f[3], rating)
            .unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
    }
    builder.finish()
}

/// True when two floats agree within 1e-9 absolute, or 1e-9 relative (small p-values).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Compares `ours` against every key of `expected` (recursively); returns the mismatches.
pub fn compare(path: &str, expected: &Value, ours: &Value, errors: &mut Vec<String>) -> usize {
    match (expected, ours) {
        (Value::Object(e), Value::Object(o)) => {
            let mut n = 0;
            for (key, value) in e {
                if DIAGNOSTIC_KEYS.contains(&key.as_str()) {
                    continue;
                }
                match o.get(key) {
                    Some(ov) => n += compare(&format!("{path}.{key}"), value, ov, errors),
                    None => errors.push(format!("{path}.{key}: missing (expected {value})")),
                }
            }
            n
        }
        (Value::Array(e), Value::Array(o)) => {
            if e.len() != o.len() {
                errors.push(format!(
                    "{path}: {} elements, expected {}",
                    o.len(),
                    e.len()
                ));
                return 0;
            }
            e.iter()
                .zip(o)
                .enumerate()
                .map(|(i, (ev, ov))| compare(&format!("{path}[{i}]"), ev, ov, errors))
                .sum()
        }
        (Value::Number(e), Value::Number(o)) => {
            let (e, o) = (
                e.as_f64().unwrap_or(f64::NAN),
                o.as_f64().unwrap_or(f64::NAN),
            );
            if !close(e, o) {
                errors.push(format!("{path}: {o}, expected {e}"));
            }
            1
        }
        (e, o) => {
            if e != o {
                errors.push(format!("{path}: {o}, expected {e}"));
            }
            1
        }
    }
}
