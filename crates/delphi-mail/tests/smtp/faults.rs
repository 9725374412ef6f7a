//! Nothing is lost and nothing is delivered twice under a distinct Message-ID when the SMTP
//! server is down, dies midway, or the worker process dies midway.

use std::time::{Duration, Instant};

use delphi_core::states::OutboxStatus;
use delphi_mail::WorkerConfig;
use delphi_store::testing::TestDb;

use crate::support::*;

async fn drain_until_all_sent(
    app: &delphi_app::App,
    worker: &delphi_mail::Worker,
    round_id: &str,
    n: usize,
) {
    let start = Instant::now();
    loop {
        worker.run_once().await.expect("runs");
        if statuses(app, round_id).1 == n {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not all sent: {:?}",
            statuses(app, round_id)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_wait_while_the_server_is_down_and_go_once_it_is_back() {
    for db in TestDb::all() {
        let app = app_on(&db);
        let (_, round_id) = open_round(&app, 20);
        let mut sink = Sink::stopped(&[]);
        let worker = worker(&app, &sink.url(None), quick_config());
        let report = worker.run_once().await.expect("runs");
        assert_eq!((report.sent, report.retried), (0, 20), "{}", db.label);
        {
            let mut conn = app.conn().expect("connection");
            let rows = delphi_store::outbox::for_round(&mut conn, &round_id).expect("rows");
            assert!(rows
                .iter()
                .all(|r| r.status == OutboxStatus::Queued && r.attempts == 1));
            let error = rows[0].last_error.clone().unwrap_or_default();
            assert!(
                error.contains("attempt 1") && error.contains("SMTP"),
                "{error}"
            );
            assert!(
                rows.iter().all(|r| r.next_attempt_at > r.created_at),
                "backoff"
            );
        }
        sink.up();
        drain_until_all_sent(&app, &worker, &round_id, 20).await;
        let expected = expected_message_ids(&app, &worker, &round_id);
        assert_eq!(
            assert_delivered_once(&sink.received(), &expected),
            0,
            "{}",
            db.label
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_last_attempt_a_message_is_failed_visible_and_retryable() {
    let db = TestDb::primary();
    let app = app_on(&db);
    let (_, round_id) = open_round(&app, 2);
    let mut sink = Sink::stopped(&[]);
    let config = WorkerConfig {
        max_attempts: 2,
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(50),
        ..quick_config()
    };
    let worker = worker(&app, &sink.url(None), config);
    worker.run_once().await.expect("runs");
    tokio::time::sleep(Duration::from_millis(120)).await;
    let report = worker.run_once().await.expect("runs");
    assert_eq!(report.failed, 2);
    assert_eq!(statuses(&app, &round_id), (0, 0, 2));
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(
        worker.run_once().await.expect("runs").claimed,
        0,
        "failed rows stay put"
    );
    sink.up();
    let mail = delphi_app::outbox::round_mail(&app, OPERATOR, "mail", 1).expect("the outbox state");
    assert_eq!(mail.problems.len(), 2, "{mail:?}");
    assert!(
        mail.problems
            .iter()
            .all(|p| p.status == OutboxStatus::Failed && p.last_error.is_some()),
        "failed, with the last error: {mail:?}"
    );
    let elsewhere = delphi_app::outbox::retry_round(&app, OPERATOR, "another-study", 1);
    assert!(
        matches!(
            elsewhere,
            Err(delphi_app::AppError::Refused(
                delphi_app::Refusal::NoSuchStudy { .. }
            ))
        ),
        "a round of another study is out of reach"
    );
    let n = delphi_app::outbox::retry_round(&app, OPERATOR, "mail", 1).expect("retry");
    assert_eq!(n, 2);
    assert_eq!(worker.run_once().await.expect("runs").sent, 2);
    assert_eq!(sink.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_dies_midway_through_a_large_batch() {
    for db in TestDb::all() {
        let app = app_on(&db);
        let n = 400;
        let (_, round_id) = open_round(&app, n);
        let mut sink = Sink::start(&["--delay-ms", "3"]);
        let worker = worker(&app, &sink.url(None), quick_config());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = {
            let worker = worker.clone();
            tokio::spawn(async move {
                worker
                    .run_until(async {
                        let _ = stopped.await;
                    })
                    .await;
            })
        };
        let sink_dir_count = {
            let s = &sink;
            tokio::task::block_in_place(|| s.wait_for(n / 4, Duration::from_secs(30)))
        };
        assert!(sink_dir_count, "a quarter arrived before the crash");
        sink.kill();
        let at_crash = sink.count();
        assert!(at_crash < n, "the crash came midway ({at_crash} of {n})");
        tokio::time::sleep(Duration::from_millis(500)).await;
        sink.up();
        let start = Instant::now();
        while statuses(&app, &round_id).1 < n {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "stuck at {:?}",
                statuses(&app, &round_id)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = stop.send(());
        running.await.expect("the worker stops");
        let expected = expected_message_ids(&app, &worker, &round_id);
        let repeats = assert_delivered_once(&sink.received(), &expected);
        eprintln!(
            "{}: crash after {at_crash} of {n}; {repeats} repeats (same Message-ID)",
            db.label
        );
    }
}

/// Runs a worker in this (child) process when the parent test asks for one; otherwise does
/// nothing.
#[test]
#[ignore = "run by worker_process_killed_midway as a child process"]
fn child_worker_process() {
    let (Ok(db), Ok(secret), Ok(smtp)) = (
        std::env::var("DELPHI_MAIL_CHILD_DB"),
        std::env::var("DELPHI_MAIL_CHILD_SECRET"),
        std::env::var("DELPHI_MAIL_CHILD_SMTP"),
    ) else {
        return;
    };
    let pool = delphi_store::Pool::connect(&db, 4).expect("database");
    let secret = delphi_app::SecretKey::from_base64(&secret).expect("secret");
    let app = delphi_app::App::new(pool, secret, "http://delphi.test:8080");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let config = WorkerConfig {
            lease: Duration::from_secs(2),
            ..quick_config()
        };
        let worker = worker(&app, &smtp, config);
        worker.run_until(std::future::pending()).await;
    });
}

fn spawn_child(db_url: &str, app: &delphi_app::App, smtp: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "faults::child_worker_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("DELPHI_MAIL_CHILD_DB", db_url)
        .env("DELPHI_MAIL_CHILD_SECRET", app.secret.to_base64())
        .env("DELPHI_MAIL_CHILD_SMTP", smtp)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the worker process starts")
}

#[test]
fn the_worker_process_is_killed_midway_and_restarted() {
    for db in TestDb::all() {
        let app = app_on(&db);
        let n = 400;
        let (_, round_id) = open_round(&app, n);
        let sink = Sink::start(&["--delay-ms", "3"]);
        let mut child = spawn_child(&db.url, &app, &sink.url(None));
        assert!(
            sink.wait_for(n / 4, Duration::from_secs(60)),
            "the worker delivers"
        );
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
        let at_kill = sink.count();
        assert!(at_kill < n, "killed midway ({at_kill} of {n})");
        // Rows it had claimed come back when its lease (2 s) runs out.
        let mut child = spawn_child(&db.url, &app, &sink.url(None));
        let start = Instant::now();
        while statuses(&app, &round_id).1 < n {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "stuck at {:?}",
                statuses(&app, &round_id)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().expect("stop");
        child.wait().expect("reaped");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let _inside = runtime.enter();
        let worker = worker(&app, &sink.url(None), quick_config());
        let expected = expected_message_ids(&app, &worker, &round_id);
        let repeats = assert_delivered_once(&sink.received(), &expected);
        eprintln!(
            "{}: killed after {at_kill} of {n}; {repeats} repeats (same Message-ID)",
            db.label
        );
    }
}
