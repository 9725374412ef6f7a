//! The `delphi` binary end to end: the demo serves working links and restarts on its own
//! data; import reports every bad line and imports nothing; migrate and create-user work.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn delphi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_delphi"));
    command
        .env_remove("DELPHI_DATABASE_URL")
        .env_remove("DELPHI_SECRET_KEY")
        .env_remove("DELPHI_MAIL");
    command
}

/// Starts the demo and reads its welcome text up to the health-check line.
fn start_demo(dir: &std::path::Path) -> (Child, Vec<String>) {
    let mut child = delphi()
        .args(["demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("delphi demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    // Keep draining stdout for the whole run, as a terminal would.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let started = Instant::now();
    while let Ok(line) = receiver.recv_timeout(Duration::from_secs(120)) {
        let done = line.starts_with("Health check");
        lines.push(line);
        if done {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the demo took too long: {lines:#?}"
        );
    }
    (child, lines)
}

fn links(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://") && w.contains("/p/"))
        })
        .map(str::to_owned)
        .collect()
}

fn stop(mut child: Child) {
    // SIGINT, as Ctrl-C would send.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            assert!(
                status.success(),
                "the demo exits cleanly on Ctrl-C: {status}"
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the demo did not stop on Ctrl-C");
}

#[test]
fn demo_prints_working_links_and_restarts_on_its_own_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, lines) = start_demo(dir.path());
    let first = links(&lines);
    assert_eq!(first.len(), 3, "three panellist links: {lines:#?}");
    assert!(lines.iter().any(|l| l.contains("password")), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("round 1: closed"))
            && lines.iter().any(|l| l.contains("round 2: open")),
        "{lines:#?}"
    );
    let client = reqwest::blocking::Client::new();
    for link in &first {
        let response = client.get(link).send().expect("the link answers");
        assert_eq!(response.status(), 200, "{link}");
    }
    let base = first[0].split("/p/").next().expect("base").to_owned();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .expect("healthz answers");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().expect("healthz is JSON");
    assert_eq!(body["status"], "ok");
    assert!(
        std::fs::read_dir(dir.path().join("emails")).is_ok(),
        "the emails folder exists"
    );
    stop(child);

    let (child, lines) = start_demo(dir.path());
    let again = links(&lines);
    let tokens = |links: &[String]| {
        links
            .iter()
            .map(|l| l.rsplit('/').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tokens(&again),
        tokens(&first),
        "the same panellists' links, from the same data"
    );
    stop(child);
}

#[test]
fn import_reports_every_bad_line_and_imports_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let study = dir.path().join("study");
    std::fs::create_dir(&study).expect("folder");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/splw-leadership"
    );
    std::fs::copy(format!("{example}/study.toml"), study.join("study.toml")).expect("copy");
    std::fs::copy(format!("{example}/panel.csv"), study.join("panel.csv")).expect("copy");
    std::fs::write(
        study.join("items.csv"),
        "code,section,text\nP1,Patient level,Listens\nP2,Patient level,\nP1,Patient level,Twice\n",
    )
    .expect("write");
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let output = delphi()
        .arg("import")
        .arg(&study)
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("items.csv line 3: empty text"), "{stderr}");
    assert!(
        stderr.contains("items.csv line 4: item code P1 appears twice"),
        "{stderr}"
    );

    std::fs::copy(format!("{example}/items.csv"), study.join("items.csv")).expect("copy");
    let output = delphi()
        .arg("import")
        .arg(&study)
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("36 items, 40 panellists"));
    let output = delphi()
        .arg("import")
        .arg(&study)
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        !output.status.success(),
        "a second import of the same slug is refused"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("exists already"));
}

#[test]
fn migrate_and_create_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let output = delphi()
        .arg("migrate")
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = delphi()
        .args([
            "admin",
            "create-user",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--generate-password",
        ])
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Password: "));
    let output = delphi()
        .arg("migrate")
        .env("DELPHI_DATABASE_URL", "mysql://nope")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unsupported database URL"));
}
