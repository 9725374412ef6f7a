//! Writes the consensus report of a synthetic three-round study (24 items, 60 panellists in
//! five stakeholder groups) to the path given: `cargo run -p delphi-report --example
//! sample_report -- report.html`. The browser tests open the file it writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: sample_report REPORT.html");
        return ExitCode::from(2);
    };
    let record = synthetic::study(synthetic::Shape {
        rounds: 3,
        items: 24,
        panellists: 60,
        groups: 5,
        seed: 3,
        hostile: false,
    });
    let templates = delphi_render::Templates::load().expect("templates");
    let html = delphi_report::report::render_report_html(&record, &templates).expect("report");
    let mut file = std::fs::File::create(&path).expect("create the report file");
    file.write_all(html.as_bytes()).expect("write the report");
    println!("{}", std::path::Path::new(&path).display());
    ExitCode::SUCCESS
}
