//! Comparing our JSON with the oracle's: every key the oracle wrote, within 1e-9.

#![allow(dead_code)]

use serde_json::Value;

/// |a − b| ≤ 1e-9, or relative 1e-9 for tiny p-values.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Oracle diagnostics that the platform does not report.
pub const DIAGNOSTIC: &[&str] = &[
    "quantiles_by_type",
    "q1_t8",
    "q3_t8",
    "iqr_t8",
    "wilcoxon_scipy",
    "p_exact_scipy_binomtest",
];

/// Pushes a message for every value of `e` that `o` lacks or differs on.
pub fn compare(path: &str, e: &Value, o: &Value, errors: &mut Vec<String>) {
    match (e, o) {
        (Value::Object(e), Value::Object(o)) => {
            for (k, v) in e.iter().filter(|(k, _)| !DIAGNOSTIC.contains(&k.as_str())) {
                match o.get(k) {
                    Some(ov) => compare(&format!("{path}.{k}"), v, ov, errors),
                    None => errors.push(format!("{path}.{k} missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(o)) if e.len() == o.len() => {
            for (i, (ev, ov)) in e.iter().zip(o).enumerate() {
                compare(&format!("{path}[{i}]"), ev, ov, errors);
            }
        }
        (Value::Number(e), Value::Number(o)) => {
            let (e, o) = (
                e.as_f64().unwrap_or(f64::NAN),
                o.as_f64().unwrap_or(f64::NAN),
            );
            if !close(e, o) {
                errors.push(format!("{path}: {o} != {e}"));
            }
        }
        (e, o) if e == o => {}
        (e, o) => errors.push(format!("{path}: {o} != {e}")),
    }
}

/// Kendall rows matched by (round, group, policy): we also report `complete_items` per
/// group, which the oracle does only for the whole panel.
pub fn compare_kendall(expected: &Value, ours: &Value, errors: &mut Vec<String>) {
    let key = |row: &Value| {
        (
            row["round"].clone(),
            row["group"].clone(),
            row["policy"].clone(),
        )
    };
    let mine = ours.as_array().cloned().unwrap_or_default();
    for row in expected.as_array().cloned().unwrap_or_default() {
        match mine.iter().find(|o| key(o) == key(&row)) {
            Some(m) => compare("kendall", &row, m, errors),
            None => errors.push(format!("kendall row {:?} missing", key(&row))),
        }
    }
}
