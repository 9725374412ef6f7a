//! The analyse pipeline end to end at the library level: the oracle's fixtures through the
//! real CSV reader, both output formats, and every kind of bad input.

use std::path::{Path, PathBuf};

use delphi_report::analyse::{run, AnalyseError, AnalyseOptions, Format};
use delphi_stats::Band;
use serde_json::Value;

mod common;
use common::{close, compare, compare_kendall};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../delphi-stats/tests/fixtures")
        .join(name)
}

fn run_to_string(opts: &AnalyseOptions) -> Result<String, (AnalyseError, Vec<u8>)> {
    let mut out = Vec::new();
    match run(opts, &mut out) {
        Ok(()) => Ok(String::from_utf8(out).expect("UTF-8")),
        Err(e) => Err((e, out)),
    }
}

#[test]
fn json_of_the_oracle_fixtures_matches() {
    for name in ["a_small", "c_edge"] {
        let out = run_to_string(&AnalyseOptions::new(fixture(&format!("{name}.csv"))))
            .map_err(|(e, _)| e.to_string())
            .expect("analyse");
        let ours: Value = serde_json::from_str(&out).expect("JSON");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("expected_{name}.json"))).expect("fixture"),
        )
        .expect("oracle JSON");
        let mut errors = Vec::new();
        compare_kendall(&expected["kendall"], &ours["kendall"], &mut errors);
        for section in ["items", "stability", "item_level_mcnemar_consensus_in"] {
            compare(section, &expected[section], &ours[section], &mut errors);
        }
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
        assert_eq!(ours["config"]["agree_range"], serde_json::json!([7, 9]));
    }
}

#[test]
fn csv_has_one_row_per_round_item_and_group() {
    let mut opts = AnalyseOptions::new(fixture("a_small.csv"));
    opts.format = Format::Csv;
    opts.quantile_type = delphi_stats::QuantileType::Type6;
    let out = run_to_string(&opts)
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    // 2 rounds × 4 items × (ALL + 3 groups).
    assert_eq!(rows.len(), 32);
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let i1 = &rows[0];
    assert_eq!(&i1[col("item_id")], "I1");
    assert_eq!(&i1[col("group")], "ALL");
    // a_small I1 round 1 = 7,7,8,8,9: type 6 gives Q3 = 8.5 (type 7 would give 8).
    assert_eq!(&i1[col("q3")], "8.5");
    assert_eq!(&i1[col("quantile_type")], "6");
    assert_eq!(&i1[col("comet")], "in"); // not-a-state: an output column of delphi analyse
}

#[test]
fn output_goes_to_the_out_file_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = AnalyseOptions::new(fixture("a_small.csv"));
    opts.out = Some(dir.path().join("report.json"));
    let printed = run_to_string(&opts)
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    assert!(printed.is_empty());
    let written = std::fs::read_to_string(dir.path().join("report.json")).expect("written");
    let doc: Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(doc["items"].as_array().map(Vec::len), Some(32));
}

fn error_for(content: &str, configure: impl FnOnce(&mut AnalyseOptions)) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ratings.csv");
    std::fs::write(&path, content).expect("write");
    let mut opts = AnalyseOptions::new(&path);
    configure(&mut opts);
    let (error, out) = run_to_string(&opts).expect_err("bad input must fail");
    assert!(out.is_empty(), "nothing may be written on error");
    let message = error.to_string();
    assert!(
        message.contains("ratings.csv") || message.starts_with("--"),
        "{message}"
    );
    message
}

const HEADER: &str = "round,item_id,panellist_id,stakeholder_group,rating\n";

#[test]
fn bad_input_names_file_line_and_problem() {
    let cases: [(String, &str); 8] = [
        (
            format!("{HEADER}1,I1,P1,A,7\n1,I1,P2,A,8\n1,I1,P3,A,8\n1,I1,P4,A,9\n1,I1,P5,A,7\n1,I1,P6,A,12\n"),
            "ratings.csv line 7: rating 12 is outside the scale 1-9",
        ),
        (
            format!("{HEADER}1,I1,P1,A,7.5\n"),
            "ratings.csv line 2: rating \"7.5\" is not an integer",
        ),
        (
            format!("{HEADER}1,I1,P1,A,seven\n"),
            "ratings.csv line 2: rating \"seven\" is not an integer",
        ),
        (
            "round,item_id,panellist_id,rating\n1,I1,P1,7\n".to_owned(),
            "ratings.csv line 1: missing column \"stakeholder_group\"",
        ),
        (
            format!("{HEADER}1,I1,P1,A,7\n1,I2,P1,A,7\n1,I1,P1,A,8\n"),
            "ratings.csv line 4: a second row for round 1, item \"I1\", panellist \"P1\"",
        ),
        (String::new(), "ratings.csv line 1: the file is empty"),
        (HEADER.to_owned(), "ratings.csv line 1: there are no rating rows"),
        (
            format!("{HEADER}1,I1,P1,A,7\n1,I1,P2,A\n"),
            "ratings.csv line 3: found 4 fields, but the header has 5",
        ),
    ];
    for (content, expected) in cases {
        let message = error_for(&content, |_| {});
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
    let message = error_for(&format!("{HEADER}x,I1,P1,A,7\n"), |_| {});
    assert!(
        message.contains("line 2: round \"x\" is not an integer"),
        "{message}"
    );
    let message = error_for(&format!("{HEADER}1,I1,P1,A,7\n2,I1,P1,B,7\n"), |_| {});
    assert!(
        message.contains("line 3: panellist \"P1\" is in stakeholder group"),
        "{message}"
    );
}

#[test]
fn unreadable_path_and_bad_options() {
    let opts = AnalyseOptions::new("/nonexistent/ratings.csv");
    let (error, out) = run_to_string(&opts).expect_err("missing file");
    assert!(out.is_empty());
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/ratings.csv: cannot read"),
        "{error}"
    );
    let message = error_for(&format!("{HEADER}1,I1,P1,A,7\n"), |o| {
        o.agree = Some(Band::new(7, 12));
    });
    assert!(message.contains("--agree-range 7-12"), "{message}");
    let message = error_for(&format!("{HEADER}1,I1,P1,A,7\n"), |o| {
        o.agree = Some(Band::new(3, 9));
    });
    assert!(message.contains("must lie below"), "{message}");
}

#[test]
fn other_scales_and_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("five.csv");
    std::fs::write(
        &path,
        format!("{HEADER}1,I1,P1,A,4\n1,I1,P2,A,5\n1,I1,P3,B,\n1,I1,P4,B,2\n"),
    )
    .expect("write");
    let mut opts = AnalyseOptions::new(&path);
    opts.scale_min = 1;
    opts.scale_max = 5;
    opts.agree = Some(Band::new(4, 5));
    opts.disagree = Some(Band::new(1, 2));
    let out = run_to_string(&opts)
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let all = &doc["items"][0];
    assert_eq!(all["n_valid"], 3);
    assert_eq!(all["n_utr"], 1);
    assert_eq!(all["n_agree"], 2);
    assert!(close(all["pct_agree"].as_f64().expect("pct"), 200.0 / 3.0));
    assert_eq!(all["pct_agree_responded"], 50.0);
    assert!(all["bands"]["3-3"].is_object());
}

fn items_json(path: &Path) -> Value {
    let out = run_to_string(&AnalyseOptions::new(path))
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    doc["items"].clone()
}

#[test]
fn line_endings_blank_lines_and_quoting_read_the_same() {
    let plain = std::fs::read_to_string(fixture("a_small.csv")).expect("fixture");
    let expected = items_json(&fixture("a_small.csv"));
    let dir = tempfile::tempdir().expect("tempdir");
    let variants = [
        ("crlf", plain.replace('\n', "\r\n")),
        ("no_final_newline", plain.trim_end().to_owned()),
        ("blank_lines", plain.replace("\n1,I2", "\n\n1,I2")),
        (
            "quoted",
            plain
                .replace(",I", ",\"I")
                .replace(",P", "\",P")
                .replace("\r", ""),
        ),
        ("bom", format!("\u{feff}{plain}")),
    ];
    for (name, content) in variants {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, content).expect("write");
        assert_eq!(items_json(&path), expected, "{name}");
    }
}

#[test]
fn quoted_files_report_lines_too() {
    let message = error_for(
        &format!("{HEADER}1,\"I1\",P1,A,7\n1,\"I, two\",P1,A,10\n"),
        |_| {},
    );
    assert!(
        message.contains("ratings.csv line 3: rating 10 is outside the scale 1-9"),
        "{message}"
    );
}

#[test]
fn files_larger_than_the_read_buffer() {
    // 250 panellists × 1,000 items ≈ 6 MB: several buffer refills, lines cut at the edges.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("large.csv");
    let mut content = String::from(HEADER);
    let mut expected_utr = 0u64;
    for p in 0..250 {
        for i in 0..1000 {
            let rating = (p * 7 + i * 3) % 10;
            if rating == 0 {
                expected_utr += 1;
                content.push_str(&format!("1,item{i:04},panellist{p:03},g{},\n", p % 3));
            } else {
                content.push_str(&format!(
                    "1,item{i:04},panellist{p:03},g{},{rating}\n",
                    p % 3
                ));
            }
        }
    }
    std::fs::write(&path, content).expect("write");
    let items = items_json(&path);
    let all: Vec<&Value> = items
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["group"] == "ALL")
        .collect();
    assert_eq!(all.len(), 1000);
    let n_valid: u64 = all.iter().map(|r| r["n_valid"].as_u64().expect("n")).sum();
    let n_utr: u64 = all.iter().map(|r| r["n_utr"].as_u64().expect("n")).sum();
    assert_eq!(n_utr, expected_utr);
    assert_eq!(n_valid + n_utr, 250_000);
}

#[test]
fn counted_and_unable_to_rate_columns_select_the_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("responses.csv");
    std::fs::write(
        &path,
        "round,item_id,panellist_id,stakeholder_group,rating,unable_to_rate,counted\n\
         1,I1,P1,A,8,false,true\n\
         1,I1,P2,A,2,false,false\n\
         1,I1,P3,A,,true,TRUE\n\
         1,I1,P4,A,,false,1\n\
         1,I1,P5,B,9,no,yes\n",
    )
    .expect("write");
    let out = run_to_string(&AnalyseOptions::new(&path))
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let all = &doc["items"][0];
    assert_eq!(all["group"], "ALL");
    assert_eq!(all["n_valid"], 2, "P2 is not counted, P4 gave no answer");
    assert_eq!(all["n_utr"], 1);
    assert_eq!(all["median"], 8.5);

    let head = "round,item_id,panellist_id,stakeholder_group,rating,unable_to_rate,counted\n";
    let message = error_for(&format!("{head}1,I1,P1,A,7,true,true\n"), |_| {});
    assert!(
        message.contains("line 2: rating \"7\" with unable_to_rate true"),
        "{message}"
    );
    let message = error_for(&format!("{head}1,I1,P1,A,7,false,maybe\n"), |_| {});
    assert!(
        message.contains("line 2: counted \"maybe\" is not true or false"),
        "{message}"
    );
    let message = error_for(&format!("{head}1,I1,P1,A,7,false,false\n"), |_| {});
    assert!(message.contains("there are no rating rows"), "{message}");
}

#[test]
fn csv_output_neutralises_identifiers_a_spreadsheet_would_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ratings.csv");
    std::fs::write(
        &path,
        format!("{HEADER}1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",P1,@group,7\n1,I2,P1,@group,-\n")
            .replace(",-\n", ",8\n"),
    )
    .expect("write");
    let mut opts = AnalyseOptions::new(&path);
    opts.format = Format::Csv;
    let out = run_to_string(&opts)
        .map_err(|(e, _)| e.to_string())
        .expect("analyse");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert!(
        ids.contains(&"'=HYPERLINK(\"http://evil\",\"x\")"),
        "{ids:?}"
    );
    let groups: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    assert!(
        groups.contains(&"'@group") && groups.contains(&"ALL"),
        "{groups:?}"
    );
}
