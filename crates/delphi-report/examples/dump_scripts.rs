//! Writes a synthetic study's responses CSV, SPSS syntax and R script to a folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../tests/support/synthetic.rs"]
mod synthetic;
use delphi_report::export::*;
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("folder"));
    let record = synthetic::study(synthetic::Shape {
        hostile: true,
        ..synthetic::Shape::small()
    });
    let opts = ResponsesCsvOptions {
        include_comments: true,
        bom: true,
    };
    let mut f = std::fs::File::create(dir.join("responses.csv")).unwrap();
    write_responses_csv(&record, &opts, &mut f, &mut no_progress()).unwrap();
    let mut f = std::fs::File::create(dir.join("read.sps")).unwrap();
    write_spss_syntax(&record, &opts, "responses.csv", &mut f).unwrap();
    let mut f = std::fs::File::create(dir.join("read.R")).unwrap();
    write_r_script(&record, &opts, "responses.csv", &mut f).unwrap();
    let mut f = std::fs::File::create(dir.join("codebook.md")).unwrap();
    write_codebook(&record, &opts, &mut f).unwrap();
}
