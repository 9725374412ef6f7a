//! Load generator for the autosave budget of DESIGN.md: ratings saved through HTTP on SQLite
//! by 200 concurrent panellists, at least 3,000 saves/s with p99 under 50 ms, each
//! acknowledged save durable.
//!
//!     cargo run --release -p delphi-web --example save_load [-- PANELLISTS SECONDS RATE]
//!
//! It starts the real server (2 workers) on a fresh SQLite file with one open 60-item round,
//! then the simulated panellists together offer RATE saves per second (default 3,000; each
//! panellist PUTs one answer to `/api/v1/p/{token}/answers/{code}` at a fixed interval, over
//! keep-alive connections) for SECONDS. Latency counts from when a request was due, so a
//! queue building up shows in the figures (no coordinated omission). At the
//! end the server stops, the database is opened afresh, and every panellist's last
//! acknowledged answer per item must be what is stored. Client and server share the
//! machine's cores, so the figures are a floor for a server with a machine of its own.

#![allow(missing_docs)]

#[path = "../fixtures/study.rs"]
mod fixture;

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use delphi_app::{App, SecretKey};
use delphi_web::WebOptions;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What one simulated panellist did.
struct Outcome {
    latencies: Vec<Duration>,
    failures: usize,
    /// item code -> last acknowledged rating.
    last: HashMap<String, i32>,
}

/// One panellist saving at `interval` (open loop): each request is due at a fixed time, and
/// its latency counts from that time, so a slow server cannot hide its queue.
#[allow(clippy::too_many_arguments)]
async fn panellist(
    client: reqwest::Client,
    base: String,
    token: String,
    csrf: String,
    codes: Vec<String>,
    seed: usize,
    start: Instant,
    interval: Duration,
    until: Instant,
) -> Outcome {
    let mut outcome = Outcome {
        latencies: Vec::with_capacity(4096),
        failures: 0,
        last: HashMap::new(),
    };
    let mut n = seed;
    let mut due = start;
    while due < until {
        tokio::time::sleep_until(due.into()).await;
        n += 1;
        let code = &codes[n % codes.len()];
        let rating = (n * 7 % 9 + 1) as i32;
        let sent = client
            .put(format!("{base}/api/v1/p/{token}/answers/{code}"))
            .header("X-CSRF-Token", &csrf)
            .json(&serde_json::json!({ "rating": rating }))
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                // The body is read so the connection can be reused.
                let _ = response.bytes().await;
                outcome.latencies.push(due.elapsed());
                outcome.last.insert(code.clone(), rating);
            }
            _ => outcome.failures += 1,
        }
        due += interval;
    }
    outcome
}

/// Runs every panellist of `study` until `until`; panellist `i` starts at `first(i)`.
async fn run_panel(
    client: &reqwest::Client,
    base: &str,
    app: &App,
    study: &fixture::Fixture,
    interval: Duration,
    first: impl Fn(usize) -> Instant,
    until: Instant,
) -> Result<Vec<Outcome>, Error> {
    let mut tasks = Vec::new();
    for (i, token) in study.tokens.iter().enumerate() {
        tasks.push(tokio::spawn(panellist(
            client.clone(),
            base.to_owned(),
            token.clone(),
            delphi_web::csrf_token(&app.secret, token),
            study.codes.clone(),
            i * 13,
            first(i),
            interval,
            until,
        )));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok(outcomes)
}

/// Two workers, and no per-address limit: one address sends everything here.
fn unlimited() -> WebOptions {
    WebOptions {
        panellist_requests_per_second: 1_000_000,
        panellist_burst: 1_000_000,
        workers: 2,
        ..WebOptions::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let panel: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let seconds: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let rate: f64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(3000.0);
    // Each panellist saves every `interval`; together they offer `rate` saves per second.
    let interval = Duration::from_secs_f64(panel as f64 / rate);

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("load.db").display());
    let pool = delphi_store::Pool::connect(&url, 16)?;
    delphi_store::run_migrations(&mut *pool.get()?)?;
    let app = App::new(pool, SecretKey::generate(), "http://127.0.0.1");
    let study = fixture::round_one(&app, "load", 60, panel);
    for token in &study.tokens {
        delphi_app::participation::consent(&app, &delphi_app::Actor::Panellist(token.clone()))?;
    }

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    if let Ok(path) = std::env::var("SAVE_LOAD_SERVE_ONLY") {
        // For an external load generator (scripts/bench-save-wrk.sh): write the address and
        // each panellist's token and CSRF value, then serve until killed.
        let mut lines = format!("{base}\n");
        for token in &study.tokens {
            let csrf = delphi_web::csrf_token(&app.secret, token);
            lines.push_str(&format!("{token} {csrf}\n"));
        }
        std::fs::write(&path, lines)?;
        return actix_web::rt::System::new().block_on(async move {
            delphi_web::start_with(app, listener, unlimited())?.await?;
            Ok(())
        });
    }
    let server_app = app.clone();
    let (ready, started) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        actix_web::rt::System::new().block_on(async move {
            let server = delphi_web::start_with(server_app, listener, unlimited())?;
            let _ = ready.send(server.handle());
            server.await
        })
    });
    let handle = started.recv()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcomes: Vec<Outcome> = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(panel)
            .build()?;
        // Warm up for half a second, so connections and caches exist before timing.
        let now = Instant::now();
        run_panel(
            &client,
            &base,
            &app,
            &study,
            interval,
            |_| now,
            now + Duration::from_millis(500),
        )
        .await?;
        let start = Instant::now();
        let until = start + Duration::from_secs(seconds);
        // The panellists' first saves are spread over one interval.
        let first = |i: usize| start + interval.mul_f64(i as f64 / panel as f64);
        let outcomes = run_panel(&client, &base, &app, &study, interval, first, until).await?;
        Ok::<_, Error>(outcomes)
    })?;
    let elapsed = seconds as f64;
    runtime.block_on(handle.stop(true));
    server.join().map_err(|_| "the server thread panicked")??;

    let mut latencies: Vec<Duration> = outcomes.iter().flat_map(|o| o.latencies.clone()).collect();
    latencies.sort();
    let failures: usize = outcomes.iter().map(|o| o.failures).sum();
    println!(
        "{rate:.0} saves/s offered by {panel} panellists for {seconds} s: {} saves acknowledged, \
         {:.0} saves/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {failures} failed",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );

    // Durability: a fresh connection to the file must hold every acknowledged last answer.
    drop(app);
    let pool = delphi_store::Pool::connect(&url, 1)?;
    let mut conn = pool.get()?;
    let round = &delphi_store::rounds::for_study(&mut conn, &study.study_id)?[0];
    let items: HashMap<String, String> =
        delphi_store::items::for_study(&mut conn, &study.study_id)?
            .into_iter()
            .map(|i| (i.id, i.code))
            .collect();
    let people: HashMap<String, String> =
        delphi_store::panellists::for_study(&mut conn, &study.study_id)?
            .into_iter()
            .map(|p| (p.token_hash, p.id))
            .collect();
    let stored: HashMap<(String, String), Option<i32>> =
        delphi_store::responses::for_round(&mut conn, &round.id)?
            .into_iter()
            .map(|r| ((r.panellist_id, items[&r.item_id].clone()), r.rating))
            .collect();
    let mut checked = 0;
    let mut lost = 0;
    for (token, outcome) in study.tokens.iter().zip(&outcomes) {
        let person = &people[&delphi_app::tokens::hash(token)];
        for (code, rating) in &outcome.last {
            checked += 1;
            if stored.get(&(person.clone(), code.clone())) != Some(&Some(*rating)) {
                lost += 1;
            }
        }
    }
    println!("durability: {checked} last acknowledged answers checked after reopening, {lost} missing or different");
    if lost > 0 || failures > 0 {
        return Err("saves were lost or refused".into());
    }
    Ok(())
}
