#![allow(missing_docs)] // criterion_group! generates undocumented items

//! Closing a round of 1,000 panellists x 100 items on SQLite: statistics per item and per
//! stakeholder group, classification, and storing the results. Budget (DESIGN.md): < 1 s.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use delphi_app::opening::{open_first_round, RoundOptions};
use delphi_app::{closing, studies, App, SecretKey};
use delphi_core::definition::StudyDefinition;
use delphi_store::responses::{self, ResponseRow};
use delphi_store::testing::TestDb;
use delphi_store::{panellists, rounds};

const PANELLISTS: usize = 1_000;
const ITEMS: usize = 100;

fn definition(slug: &str) -> StudyDefinition {
    let study = include_str!("../../../examples/splw-leadership/study.toml")
        .replace("slug = \"splw-leadership\"", &format!("slug = \"{slug}\""));
    let mut items = String::from("code,section,text\n");
    for i in 0..ITEMS {
        items.push_str(&format!(
            "I{i},Patient level,Candidate statement number {i}\n"
        ));
    }
    let groups = [
        "link_workers",
        "managers",
        "commissioners",
        "clinicians",
        "lived_experience",
    ];
    let mut panel = String::from("email,name,group\n");
    for p in 0..PANELLISTS {
        panel.push_str(&format!("p{p}@example.org,,{}\n", groups[p % groups.len()]));
    }
    StudyDefinition::parse(&study, &items, &panel).expect("bench study parses")
}

/// A study with round 1 open and every panellist's 100 ratings stored; returns its slug.
fn prepared(app: &App, n: usize) -> String {
    let slug = format!("bench-{n}");
    let id =
        studies::create_from_definition(app, OPERATOR, &definition(&slug), None).expect("import");
    let round = open_first_round(app, OPERATOR, &slug, &RoundOptions::default()).expect("open");
    let mut conn = app.conn().expect("connection");
    let items: Vec<String> = rounds::items(&mut conn, &round.round_id)
        .expect("items")
        .into_iter()
        .map(|r| r.item_id)
        .collect();
    let people = panellists::for_study(&mut conn, &id).expect("panel");
    let now = delphi_store::now();
    let mut rows = Vec::with_capacity(PANELLISTS * ITEMS);
    for (p, person) in people.iter().enumerate() {
        for (i, item) in items.iter().enumerate() {
            let utr = (p * 7 + i) % 40 == 0;
            rows.push(ResponseRow {
                round_id: round.round_id.clone(),
                item_id: item.clone(),
                panellist_id: person.id.clone(),
                rating: (!utr).then_some(1 + ((p * 31 + i * 17) % 9) as i32),
                unable_to_rate: utr,
                comment: None,
                reason: None,
                updated_at: now,
            });
        }
    }
    delphi_store::write_tx(&mut conn, |c| responses::insert_many(c, &rows)).expect("ratings");
    slug
}

/// The benchmark works as the command-line operator.
const OPERATOR: &delphi_app::Actor = &delphi_app::Actor::Operator;

fn close_round(c: &mut Criterion) {
    let db = TestDb::sqlite();
    let app = App::new(db.pool.clone(), SecretKey::generate(), "http://bench.local");
    let counter = AtomicUsize::new(0);
    let mut group = c.benchmark_group("close_round");
    group.sample_size(10);
    group.bench_function("1000 panellists x 100 items, SQLite", |b| {
        b.iter_batched(
            || prepared(&app, counter.fetch_add(1, Ordering::Relaxed)),
            |slug| black_box(closing::close_round(&app, OPERATOR, &slug).expect("close")),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, close_round);
criterion_main!(benches);
