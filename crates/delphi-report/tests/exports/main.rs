//! The exports and the report end to end on synthetic studies: the round trip through
//! `delphi analyse`, the workbook read back, the SPSS and R scripts run, hostile text, the
//! report's content. One test binary for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/synthetic.rs"]
mod synthetic;

mod hostile;
mod report;
mod roundtrip;
mod scripts;
mod workbook;

use delphi_report::export::{no_progress, write_responses_csv, ResponsesCsvOptions};
use delphi_report::StudyRecord;

/// The responses CSV of `record` as text.
pub fn responses_csv(record: &StudyRecord, opts: ResponsesCsvOptions) -> String {
    let mut out = Vec::new();
    write_responses_csv(record, &opts, &mut out, &mut no_progress()).expect("responses CSV");
    String::from_utf8(out).expect("UTF-8")
}
