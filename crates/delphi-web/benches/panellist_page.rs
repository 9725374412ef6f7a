//! The panellist page's budgets: rendering the 60-item round page with feedback, and saving
//! one rating on SQLite through the use case.
#![allow(missing_docs)]

#[path = "../fixtures/study.rs"]
mod fixture;

use criterion::{criterion_group, criterion_main, Criterion};
use delphi_app::participation::{self, AnswerInput};
use delphi_app::{panellist, App, SecretKey};
use delphi_store::testing::TestDb;
use delphi_web::{render_page, View, WebState};

/// A round 2 with 60 items asked, each with feedback, for a panel of 25.
fn setup() -> (TestDb, WebState, String) {
    let db = TestDb::sqlite();
    let app = App::new(db.pool.clone(), SecretKey::generate(), "http://bench.test");
    // 80 items: the 20 that reach consensus retire, 59 carry or are reworded, 1 is added.
    let f = fixture::round_two(&app, "bench", 80, 25, &[]);
    let state = WebState {
        app,
        templates: delphi_render::Templates::load().expect("templates"),
    };
    (db, state, f.tokens[0].clone())
}

fn benches(c: &mut Criterion) {
    let (_db, state, token) = setup();
    let panellist = delphi_app::Actor::Panellist(token.clone());
    let page = panellist::page(&state.app, &panellist).expect("the page loads");
    if let panellist::PageState::Rating(round) = &page.state {
        let with_feedback = round
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .filter(|i| i.feedback.is_some())
            .count();
        eprintln!(
            "round {}: {} items, {} with feedback",
            round.number, round.total, with_feedback
        );
    }
    let html = render_page(&state, &token, &page, View::Page, None, None).expect("renders");
    eprintln!("page HTML: {} bytes", html.len());

    c.bench_function("render the 60-item round page with feedback", |b| {
        b.iter(|| render_page(&state, &token, &page, View::Page, None, None).expect("renders"))
    });
    c.bench_function(
        "load and render the 60-item round page with feedback",
        |b| {
            b.iter(|| {
                let page = panellist::page(&state.app, &panellist).expect("the page loads");
                render_page(&state, &token, &page, View::Page, None, None).expect("renders")
            })
        },
    );
    let mut value = 0;
    c.bench_function("save one rating on SQLite", |b| {
        b.iter(|| {
            value = value % 9 + 1;
            participation::save_answer(
                &state.app,
                &panellist,
                &AnswerInput {
                    item_code: "I2".to_owned(),
                    rating: Some(value),
                    unable_to_rate: false,
                    comment: None,
                    reason: None,
                },
            )
            .expect("saves")
        })
    });
}

criterion_group!(panellist_page, benches);
criterion_main!(panellist_page);
