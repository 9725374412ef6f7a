//! `delphi analyse` as a user runs it: the real binary, exit codes, stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

fn delphi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_delphi"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../delphi-stats/tests/fixtures")
        .join(name)
}

#[test]
fn json_to_stdout_by_default() {
    let out = delphi()
        .arg("analyse")
        .arg(fixture("a_small.csv"))
        .output()
        .expect("run delphi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["items"][0]["item_id"], "I1");
    assert_eq!(doc["items"][0]["comet"], "in"); // not-a-state: analyse output
    assert_eq!(doc["kendall"][0]["W_uncorrected"], 0.35625);
    assert!(doc["stability"].as_array().is_some_and(|s| !s.is_empty()));
}

#[test]
fn csv_with_options_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out.csv");
    let out = delphi()
        .args(["analyse", "--format", "csv", "--quantile-type", "6"])
        .args(["--agree-range", "7-9", "--disagree-range", "1-3"])
        .arg("--out")
        .arg(&target)
        .arg(fixture("a_small.csv"))
        .output()
        .expect("run delphi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&target).expect("CSV written");
    assert!(written.starts_with("round,item_id,group,"));
    assert_eq!(written.lines().count(), 1 + 32);
}

#[test]
fn bad_input_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ratings.csv");
    std::fs::write(
        &path,
        "round,item_id,panellist_id,stakeholder_group,rating\n1,I1,P1,A,7\n1,I1,P2,A,12\n",
    )
    .expect("write");
    let out = delphi()
        .arg("analyse")
        .arg(&path)
        .output()
        .expect("run delphi");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ratings.csv line 3: rating 12 is outside the scale 1-9"),
        "{stderr}"
    );

    let out = delphi()
        .args(["analyse", "/nonexistent/ratings.csv"])
        .output()
        .expect("run delphi");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/ratings.csv: cannot read"));
}
