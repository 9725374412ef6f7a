//! The responses CSV read by `delphi analyse` gives back exactly the stored results.

use std::collections::HashMap;

use delphi_report::analyse::{read_dataset, run, AnalyseOptions, Band};
use delphi_report::export::{write_results_csv, ResponsesCsvOptions};
use delphi_report::record::WHOLE_PANEL;
use serde_json::Value;

use crate::synthetic::{study, Shape};

#[test]
fn analyse_reproduces_every_stored_statistic_from_the_responses_csv() {
    let record = study(Shape::small());
    let uncounted = record.responses.iter().filter(|r| !r.counted).count();
    let utr = record.responses.iter().filter(|r| r.unable_to_rate).count();
    let no_answer = record
        .responses
        .iter()
        .filter(|r| r.counted && r.rating.is_none() && !r.unable_to_rate)
        .count();
    assert!(
        uncounted > 0 && utr > 0 && no_answer > 0,
        "{uncounted} {utr} {no_answer}"
    );
    assert!(record.groups.len() >= 3 && record.rounds.len() == 3);

    let dir = tempfile::tempdir().expect("tempdir");
    for opts in [
        ResponsesCsvOptions::default(),
        ResponsesCsvOptions {
            include_comments: true,
            bom: true,
        },
    ] {
        let path = dir.path().join("responses.csv");
        std::fs::write(&path, crate::responses_csv(&record, opts)).expect("write");
        let mut analyse = AnalyseOptions::new(&path);
        analyse.agree = Some(Band::new(7, 9));
        analyse.disagree = Some(Band::new(1, 3));
        let cfg = analyse.describe_config().expect("config");
        assert_eq!(cfg, record.settings.describe_config());

        let stored: HashMap<(i64, &str, &str), &delphi_report::record::RoundResult> = record
            .results
            .iter()
            .map(|r| ((i64::from(r.round), r.item.as_str(), r.group.as_str()), r))
            .collect();
        let dataset = read_dataset(&path, 1, 9).expect("read");
        let report = delphi_stats::report(&dataset, &cfg);
        for row in &report.items {
            let key = (row.round, row.item_id.as_str(), row.group.as_str());
            let Some(s) = stored.get(&key) else {
                panic!("analyse has {key:?}, the platform stored nothing");
            };
            assert_eq!(row.stats, s.result.statistics, "{key:?}");
            if row.group == WHOLE_PANEL {
                assert_eq!(
                    row.comet_all_groups.flatten(),
                    s.result.comet_all_groups,
                    "{key:?}"
                );
            }
        }
        let with_answers = record
            .results
            .iter()
            .filter(|r| r.result.statistics.n_responded > 0)
            .count();
        assert_eq!(
            report.items.len(),
            with_answers,
            "every stored result with answers"
        );

        // The whole pipeline, as `delphi analyse` runs it, agrees on the counts and medians.
        let mut out = Vec::new();
        run(&analyse, &mut out)
            .map_err(|e| e.to_string())
            .expect("run");
        let json: Value = serde_json::from_slice(&out).expect("JSON");
        let rows = json["items"].as_array().expect("items");
        assert_eq!(rows.len(), with_answers);
        for row in rows {
            let key = (
                row["round"].as_i64().expect("round"),
                row["item_id"].as_str().expect("item"),
                row["group"].as_str().expect("group"),
            );
            let s = &stored[&key].result.statistics;
            assert_eq!(row["n_valid"].as_u64(), Some(s.n_valid), "{key:?}");
            assert_eq!(row["n_utr"].as_u64(), Some(s.n_utr), "{key:?}");
            assert_eq!(row["median"].as_f64(), s.median, "{key:?}");
        }
    }
}

#[test]
fn results_csv_holds_the_stored_numbers() {
    let record = study(Shape::small());
    let mut out = Vec::new();
    let mut calls = Vec::new();
    write_results_csv(&record, &mut out, &mut |done, total| {
        calls.push((done, total))
    })
    .expect("results CSV");
    assert_eq!(
        calls.last(),
        Some(&(record.results.len() as u64, record.results.len() as u64))
    );
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), record.results.len());
    for (row, stored) in rows.iter().zip(&record.results) {
        let s = &stored.result.statistics;
        assert_eq!(&row[col("item_id")], stored.item);
        assert_eq!(&row[col("group")], stored.group);
        assert_eq!(row[col("n_valid")].parse::<u64>().ok(), Some(s.n_valid));
        for (name, value) in [
            ("mean", s.mean),
            ("median", s.median),
            ("iqr", s.iqr_t7),
            ("pct_agree", s.pct_agree),
        ] {
            let cell = &row[col(name)];
            match value {
                Some(v) => assert!(
                    (cell.parse::<f64>().expect(name) - v).abs() < 1e-9,
                    "{name}"
                ),
                None => assert_eq!(cell, "", "{name}"),
            }
        }
        let class = stored
            .result
            .classification
            .as_ref()
            .map_or("", |c| c.as_str());
        assert_eq!(&row[col("classification")], class);
    }
}
