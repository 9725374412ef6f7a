//! Budgets (`cargo bench -p delphi-report`), on a synthetic study of 3 rounds × 100 items ×
//! 1,000 panellists × 5 groups: the HTML report under 1 s, the XLSX under 2 s; and the
//! responses CSV of 300,000 rows under 0.5 s.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{criterion_group, criterion_main, Criterion};
use delphi_report::export::{no_progress, write_responses_csv, write_xlsx, ResponsesCsvOptions};
use delphi_report::report::render_report_html;

fn bench(c: &mut Criterion) {
    let record = synthetic::study(synthetic::Shape::large());
    let templates = delphi_render::Templates::load().expect("templates");
    let mut group = c.benchmark_group("exports");
    group.sample_size(10);
    group.bench_function("report_html_3x100x1000x5", |b| {
        b.iter(|| {
            render_report_html(&record, &templates)
                .expect("report")
                .len()
        })
    });
    group.bench_function("xlsx_3x100x1000x5", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(4 << 20);
            write_xlsx(&record, &mut out, &mut no_progress()).expect("xlsx");
            out.len()
        })
    });
    let mut rows = synthetic::study(synthetic::Shape {
        panellists: 1600,
        ..synthetic::Shape::large()
    });
    assert!(
        rows.responses.len() >= 300_000,
        "{} responses",
        rows.responses.len()
    );
    rows.responses.truncate(300_000);
    let opts = ResponsesCsvOptions {
        include_comments: true,
        bom: false,
    };
    group.bench_function("responses_csv_300k_rows", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(64 << 20);
            write_responses_csv(&rows, &opts, &mut out, &mut no_progress()).expect("csv");
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
