//! Benchmark: 10,000 invitations through the outbox to a real SMTP server on loopback
//! (aiosmtpd, see scripts/install-smtp-test-server.sh). Budget: under 30 s.
//!
//!     cargo run --release -p delphi-mail --example outbox_bench [-- PANELLISTS]
//!
//! Set DELPHI_BENCH_DATABASE_URL=postgres://... to run it on PostgreSQL (the database must
//! exist and be empty); the default is a fresh SQLite file.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use delphi_app::{opening, studies, App, SecretKey};
use delphi_core::definition::StudyDefinition;
use delphi_mail::{Transport, Worker, WorkerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("DELPHI_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let pool = delphi_store::Pool::connect(&url, 8)?;
    delphi_store::run_migrations(&mut *pool.get()?)?;
    let app = App::new(pool, SecretKey::generate(), "https://delphi.example.org");

    let toml = include_str!("../../../examples/splw-leadership/study.toml");
    let items = include_str!("../../../examples/splw-leadership/items.csv");
    let mut panel = String::from("email,name,group\n");
    for i in 0..n {
        panel.push_str(&format!(
            "panellist{i}@example.org,Panellist {i},link_workers\n"
        ));
    }
    let definition = StudyDefinition::parse(toml, items, &panel)?;
    let operator = delphi_app::Actor::Operator;
    studies::create_from_definition(&app, &operator, &definition, None)?;
    let started = Instant::now();
    let opened = opening::open_first_round(
        &app,
        &operator,
        &definition.slug,
        &opening::RoundOptions::default(),
    )?;
    println!(
        "opening round 1 queued {} invitations in {:.2} s",
        opened.invited,
        started.elapsed().as_secs_f64()
    );

    let mail_dir = dir.path().join("received");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut sink = Command::new("/usr/bin/python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/smtp/smtp_sink.py"
        ))
        .args(["--port", &port.to_string()])
        .arg("--dir")
        .arg(&mail_dir)
        .stdout(Stdio::piped())
        .spawn()?;
    let mut ready = String::new();
    BufReader::new(sink.stdout.take().ok_or("no stdout")?).read_line(&mut ready)?;
    if ready.trim() != "READY" {
        return Err(format!("the SMTP sink said {ready:?}").into());
    }

    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(async {
        let transport = Transport::from_url(&format!(
            "smtp://127.0.0.1:{port}?tls=none&timeout=10&pool=64"
        ))?;
        let config = WorkerConfig {
            batch_size: 500,
            concurrency: 64,
            lease: Duration::from_secs(600),
            ..WorkerConfig::default()
        };
        let worker = Worker::new(app.clone(), transport, config)?;
        let started = Instant::now();
        let report = worker.run_once().await?;
        Ok::<_, Box<dyn std::error::Error>>((report, started.elapsed()))
    });
    let _ = sink.kill();
    let _ = sink.wait();
    let (report, elapsed) = result?;

    let mut ids = HashSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&mail_dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("eml") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path)?;
        if let Some(line) = text
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        {
            ids.insert(line[11..].trim().to_owned());
        }
    }
    println!(
        "delivered {} of {} invitations ({} files, {} distinct Message-IDs) in {:.2} s: {:.0} messages/s; retried {}, failed {}",
        report.sent,
        opened.invited,
        files,
        ids.len(),
        elapsed.as_secs_f64(),
        report.sent as f64 / elapsed.as_secs_f64(),
        report.retried,
        report.failed
    );
    if report.sent != n || ids.len() != n {
        return Err("not every invitation arrived exactly once".into());
    }
    if elapsed > Duration::from_secs(30) {
        return Err(format!("over the 30 s budget: {:.2} s", elapsed.as_secs_f64()).into());
    }
    Ok(())
}
