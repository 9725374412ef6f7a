//! The round console's budgets: the results page of a closed round with 100 items, 1,000
//! panellists and 5 groups, loaded and rendered through the real server (sign-in cookie,
//! handler, use case, template) in under 50 ms; and the live monitor's data for 1,000
//! panellists (the use case behind the monitor's JSON) in under 10 ms.
#![allow(missing_docs)]

#[path = "../fixtures/study.rs"]
mod fixture;

use std::net::TcpListener;

use criterion::{criterion_group, criterion_main, Criterion};
use delphi_app::{closing, monitor, users, Actor, App, SecretKey};
use delphi_store::testing::TestDb;
use reqwest::blocking::Client;

const PASSWORD: &str = "correct horse battery staple";

fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

fn benches(c: &mut Criterion) {
    let db = TestDb::sqlite();
    let app = App::new(db.pool.clone(), SecretKey::generate(), "http://bench.test");
    let started = std::time::Instant::now();
    let f = fixture::round_one(&app, "bench", 100, 1000);
    fixture::answer_round_one(&app, &f, &[7, 8, 9]);
    eprintln!("fixture: {:?}", started.elapsed());
    let owner = users::create_user(
        &app,
        fixture::OPERATOR,
        "o@example.org",
        "O",
        PASSWORD,
        false,
    )
    .expect("a user");
    users::add_member(
        &app,
        fixture::OPERATOR,
        "bench",
        "o@example.org",
        delphi_core::states::Role::Owner,
    )
    .expect("a member");
    let actor = Actor::User(owner.id.clone());

    let m = monitor::monitor(&app, &actor, "bench", Some(1)).expect("the monitor");
    eprintln!(
        "monitor: {} panellists, {} submitted",
        m.panellists.len(),
        m.overall.submitted
    );
    c.bench_function("monitor data, 1,000 panellists", |b| {
        b.iter(|| monitor::monitor(&app, &actor, "bench", Some(1)).expect("the monitor"))
    });

    closing::close_round(&app, fixture::OPERATOR, "bench").expect("closes");
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    let server_app = app.clone();
    let (ready, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let options = delphi_web::WebOptions {
                workers: 1,
                ..delphi_web::WebOptions::default()
            };
            let server = delphi_web::start_with(server_app, listener, options).expect("starts");
            ready.send(()).expect("the bench waits");
            let _ = server.await;
        });
    });
    wait.recv().expect("the server starts");
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let form = client
        .get(format!("{address}/admin/login"))
        .send()
        .and_then(|r| r.text())
        .expect("the sign-in form");
    client
        .post(format!("{address}/admin/login"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("email", "o@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .expect("signs in");
    let url = format!("{address}/admin/studies/bench/rounds/1/results");
    let page = client.get(&url).send().expect("the page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().expect("a body");
    eprintln!(
        "results page: {} bytes, {} charts",
        html.len(),
        html.matches("<svg").count()
    );
    c.bench_function(
        "results page, 100 items x 1,000 panellists x 5 groups",
        |b| {
            b.iter(|| {
                let response = client.get(&url).send().expect("the page");
                assert_eq!(response.status().as_u16(), 200);
                response.bytes().expect("a body")
            })
        },
    );
    drop(db);
}

criterion_group! {
    name = console;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(console);
