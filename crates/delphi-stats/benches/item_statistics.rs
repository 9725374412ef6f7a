//! Section-3 statistics of every item, for the whole panel and each of four stakeholder
//! groups, for 10,000 panellists × 1,000 items (10 M ratings, ~5 % "unable to rate").
//! Budget: under 50 ms on one core (`cargo bench -p delphi-stats`).

// criterion's macros generate undocumented public functions.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use delphi_stats::report::item_rows;
use delphi_stats::{describe_panel, Dataset, DatasetBuilder, DescribeConfig, Histogram};

const PANELLISTS: usize = 10_000;
const ITEMS: usize = 1_000;

/// xorshift64*: a fixed-seed generator, so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn dataset() -> Dataset {
    let items: Vec<String> = (0..ITEMS).map(|i| format!("Q{i:04}")).collect();
    let panellists: Vec<String> = (0..PANELLISTS).map(|p| format!("P{p:05}")).collect();
    let groups = ["link_worker", "manager", "commissioner", "gp"];
    // Skewed towards agreement, like a real round: cumulative weights over 1..=9 (of 56).
    let cumulative = [1, 2, 4, 7, 12, 20, 32, 46, 56];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut builder = DatasetBuilder::new(1, 9).expect("scale");
    for (p, panellist) in panellists.iter().enumerate() {
        for item in &items {
            let r = rng.next();
            let rating = if r % 100 < 5 {
                None
            } else {
                let u = (r >> 32) % 56;
                Some(cumulative.iter().position(|&c| u < c).unwrap_or(8) as i64 + 1)
            };
            builder
                .add(1, item, panellist, groups[p % groups.len()], rating)
                .expect("row");
        }
    }
    builder.finish()
}

fn bench(c: &mut Criterion) {
    let ds = dataset();
    let cfg = DescribeConfig::default();
    let mut group = c.benchmark_group("section3");
    group.sample_size(20);
    group.bench_function("10k_panellists_x_1k_items_all_and_4_groups", |b| {
        b.iter(|| black_box(item_rows(black_box(&ds), &cfg)).len())
    });
    let hists: Vec<Histogram> = item_rows(&ds, &cfg)
        .iter()
        .filter(|row| row.group == "ALL")
        .map(|row| {
            let mut h = Histogram::new(1, 9);
            h.counts = row.stats.counts.values().copied().collect();
            h.n_utr = row.stats.n_utr;
            h
        })
        .collect();
    group.bench_function("describe_panel_1k_histograms", |b| {
        b.iter(|| {
            hists
                .iter()
                .map(|h| describe_panel(black_box(h), &cfg).n_valid)
                .sum::<u64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
