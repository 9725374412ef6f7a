//! The R script and the SPSS syntax run on a generated responses CSV (R with Rscript, SPSS
//! syntax with GNU PSPP; `scripts/install-r.sh` installs both). Without the program the test
//! says so and passes; CI installs them.

use std::path::Path;
use std::process::Command;

use delphi_report::export::{write_r_script, write_spss_syntax, ResponsesCsvOptions};
use delphi_report::StudyRecord;

use crate::synthetic::{study, Shape, HOSTILE_GROUP};

fn available(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        eprintln!("SKIPPED: {program} is not installed (run scripts/install-r.sh)");
    }
    found
}

fn setup(dir: &Path, record: &StudyRecord, opts: ResponsesCsvOptions) {
    std::fs::write(
        dir.join("responses.csv"),
        crate::responses_csv(record, opts),
    )
    .expect("csv");
}

const OPTS: ResponsesCsvOptions = ResponsesCsvOptions {
    include_comments: true,
    bom: true,
};

#[test]
fn r_reads_the_csv_with_the_labels_applied() {
    if !available("Rscript") {
        return;
    }
    let record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path(), &record, OPTS);
    let mut script = Vec::new();
    write_r_script(&record, &OPTS, "responses.csv", &mut script).expect("script");
    std::fs::write(dir.path().join("read.R"), script).expect("write");
    let check = "source('read.R'); \
        cat(levels(responses$rating), sep = '\\n'); cat('--\\n'); \
        cat(levels(responses$stakeholder_group), sep = '\\n'); cat('--\\n'); \
        cat(nrow(responses), sum(responses$unable_to_rate), sum(is.na(responses$rating)), \
            sum(responses$counted), as.character(responses$rating[!is.na(responses$rating)][1]), \
            class(responses$rating)[1], '\\n')";
    let out = Command::new("Rscript")
        .current_dir(dir.path())
        .args(["--vanilla", "-e", check])
        .output()
        .expect("Rscript runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "R failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parts: Vec<&str> = stdout.split("--\n").collect();
    let labels: Vec<String> = record.points().map(|p| record.point_label(p)).collect();
    assert_eq!(parts[0].lines().collect::<Vec<_>>(), labels);
    let groups: Vec<&str> = record.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(parts[1].lines().collect::<Vec<_>>(), groups);
    assert!(
        groups.contains(&HOSTILE_GROUP),
        "quotes and brackets survive R's parser"
    );
    let utr = record.responses.iter().filter(|r| r.unable_to_rate).count();
    let unrated = record
        .responses
        .iter()
        .filter(|r| r.rating.is_none())
        .count();
    let counted = record.responses.iter().filter(|r| r.counted).count();
    let first = record
        .responses
        .iter()
        .find_map(|r| r.rating)
        .expect("a rating");
    let expected = format!(
        "{} {utr} {unrated} {counted} {} ordered",
        record.responses.len(),
        record.point_label(first)
    );
    assert_eq!(parts[2].trim(), expected);
}

#[test]
fn pspp_runs_the_spss_syntax_with_the_labels_applied() {
    if !available("pspp") {
        return;
    }
    let record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path(), &record, OPTS);
    let mut script = Vec::new();
    write_spss_syntax(&record, &OPTS, "responses.csv", &mut script).expect("syntax");
    let mut script = String::from_utf8(script).expect("UTF-8");
    script.push_str(
        "FREQUENCIES VARIABLES=rating group unable_to_rate counted.\nDISPLAY DICTIONARY.\n",
    );
    std::fs::write(dir.path().join("read.sps"), script).expect("write");
    let out = Command::new("pspp")
        .current_dir(dir.path())
        .args(["read.sps", "-O", "format=txt", "-o", "out.txt"])
        .output()
        .expect("pspp runs");
    let report = std::fs::read_to_string(dir.path().join("out.txt")).unwrap_or_default();
    let messages = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pspp failed: {messages}\n{report}");
    for bad in ["error:", "warning:"] {
        assert!(
            !messages.contains(bad) && !report.contains(bad),
            "{bad}: {messages}\n{report}"
        );
    }
    for label in [
        "1 Not important",
        "9 Critical",
        "Unable to rate",
        "Commissioners",
        "alert('group')>",
        "Yes",
    ] {
        assert!(report.contains(label), "{label} in the output:\n{report}");
    }
    let utr = record.responses.iter().filter(|r| r.unable_to_rate).count();
    assert!(
        report
            .lines()
            .any(|l| l.contains("Unable to rate") && l.contains(&format!(" {utr}|"))),
        "{utr} answers unable to rate, as user-missing:\n{report}"
    );
    assert!(
        report.contains(&record.responses.len().to_string()),
        "every row read"
    );
}
