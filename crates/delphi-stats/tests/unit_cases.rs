//! Every formula-level case of the oracle's `unit_cases.json` (copy in `tests/fixtures/`):
//! quantiles of all nine Hyndman–Fan types, Kendall's W, Wilcoxon and McNemar, within 1e-9.

mod common;

use delphi_stats::hyndman_fan::quantile_hf;
use delphi_stats::{kendall_w, mcnemar, quantile, wilcoxon, Histogram, QuantileType};
use serde_json::Value;

fn cases() -> Value {
    let all: Value =
        serde_json::from_str(include_str!("fixtures/unit_cases.json")).expect("oracle JSON");
    all["unit_cases"].clone()
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("integer") as i32)
        .collect()
}

#[test]
fn quantiles_of_all_nine_types_and_from_counts() {
    let mut compared = 0;
    for (name, case) in cases()["quantiles"].as_object().expect("object") {
        let x = ints(&case["x"]);
        let sorted: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let mut h = Histogram::new(1, 10);
        for &v in &x {
            assert!(h.add(v));
        }
        for t in 1..=9u8 {
            for (key, expected) in case[format!("type{t}")].as_object().expect("object") {
                let percent: u32 = key[1..].parse().expect("pNN");
                let expected = expected.as_f64().expect("number");
                let ours = quantile_hf(&sorted, percent, t).expect("defined");
                assert!(
                    common::close(ours, expected),
                    "{name} type {t} {key}: {ours} vs {expected}"
                );
                if let Some(kind) = QuantileType::from_number(t) {
                    let counted = quantile(&h, percent, kind).expect("defined");
                    assert!(
                        common::close(counted, expected),
                        "{name} counts type {t} {key}"
                    );
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 9 * 9 * 7);
}

#[test]
fn kendall_w_cases() {
    for (name, case) in cases()["kendall_w"].as_object().expect("object") {
        let rows: Vec<Vec<i32>> = case["ratings_raters_x_items"]
            .as_array()
            .expect("rows")
            .iter()
            .map(ints)
            .collect();
        let ours = serde_json::to_value(kendall_w(&rows)).expect("serialise");
        let mut expected = case.clone();
        expected
            .as_object_mut()
            .expect("object")
            .remove("ratings_raters_x_items");
        let mut errors = Vec::new();
        common::compare(name, &expected, &ours, &mut errors);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

#[test]
fn wilcoxon_cases() {
    for (name, case) in cases()["wilcoxon"].as_object().expect("object") {
        let ours = wilcoxon(&ints(&case["x_round_from"]), &ints(&case["x_round_to"]));
        let ours = serde_json::to_value(ours).expect("serialise");
        let mut errors = Vec::new();
        common::compare(name, &case["result"], &ours, &mut errors);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

#[test]
fn mcnemar_cases() {
    for (name, case) in cases()["mcnemar"].as_object().expect("object") {
        let b = case["b_0to1"].as_u64().expect("b");
        let c = case["c_1to0"].as_u64().expect("c");
        let ours = serde_json::to_value(mcnemar(b, c)).expect("serialise");
        let mut errors = Vec::new();
        common::compare(name, case, &ours, &mut errors);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}
