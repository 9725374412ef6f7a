//! Every value of the oracle's `expected_a_small.json` and `expected_c_edge.json` (copies
//! in `tests/fixtures/`) is reproduced within 1e-9 by the section-9 report.

mod common;

use delphi_stats::{report, DescribeConfig};
use serde_json::Value;

fn check(csv: &str, expected: &str) {
    let ds = common::load_csv(csv, 1, 9);
    let ours = serde_json::to_value(report(&ds, &DescribeConfig::default())).expect("serialise");
    let expected: Value = serde_json::from_str(expected).expect("oracle JSON");
    let mut errors = Vec::new();
    let mut compared = 0;
    for section in [
        "items",
        "rwg_j",
        "stability",
        "item_level_mcnemar_consensus_in",
    ] {
        compared += common::compare(section, &expected[section], &ours[section], &mut errors);
    }
    // Kendall: we also report `complete_items` per group, so match rows by their key.
    let key = |row: &Value| {
        (
            row["round"].clone(),
            row["group"].clone(),
            row["policy"].clone(),
        )
    };
    for row in expected["kendall"].as_array().expect("kendall") {
        let mine = ours["kendall"]
            .as_array()
            .expect("kendall")
            .iter()
            .find(|o| key(o) == key(row));
        match mine {
            Some(mine) => compared += common::compare("kendall", row, mine, &mut errors),
            None => errors.push(format!("kendall row {:?} missing", key(row))),
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert!(compared > 500, "only {compared} values compared");
}

#[test]
fn a_small_matches_the_oracle() {
    check(
        include_str!("fixtures/a_small.csv"),
        include_str!("fixtures/expected_a_small.json"),
    );
}

#[test]
fn c_edge_matches_the_oracle() {
    check(
        include_str!("fixtures/c_edge.csv"),
        include_str!("fixtures/expected_c_edge.json"),
    );
}
