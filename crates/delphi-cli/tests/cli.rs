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

/// Each thread of process `pid`: its name and nice value (`/proc/PID/task/TID/stat`, the
/// 19th field; the name, in parentheses, may hold spaces).
#[cfg(target_os = "linux")]
fn nice_by_thread(pid: u32) -> Vec<(String, i32)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the demo's threads");
    tasks
        .filter_map(|task| {
            let stat = std::fs::read_to_string(task.ok()?.path().join("stat")).ok()?;
            let (head, tail) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_owned();
            // After the name: state is field 3, so nice (field 19) is the 17th.
            let nice = tail.split_whitespace().nth(16)?.parse().ok()?;
            Some((name, nice))
        })
        .collect()
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
    let login = client
        .get(format!("{base}/admin/login"))
        .send()
        .expect("the researcher's sign-in answers");
    assert_eq!(
        login.status(),
        200,
        "the printed researcher login has a page"
    );
    assert!(
        std::fs::read_dir(dir.path().join("emails")).is_ok(),
        "the emails folder exists"
    );
    #[cfg(target_os = "linux")]
    let threads = nice_by_thread(child.id());
    // Stopped before asserting: a failed assertion must not leave the demo running.
    stop(child);
    #[cfg(target_os = "linux")]
    {
        let mail = threads.iter().find(|(name, _)| name == "delphi-mail");
        let web = threads
            .iter()
            .find(|(name, _)| name.starts_with("actix-rt"));
        assert!(
            matches!((mail, web), (Some((_, 10)), Some((_, w))) if *w < 10),
            "the email worker's thread runs at nice 10, below the web server's: {threads:?}"
        );
    }

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
        output.status.success(),
        "a second import of a draft replaces it: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = delphi()
        .args(["study", "open-round", "splw-leadership"])
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
        .arg("import")
        .arg(&study)
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        !output.status.success(),
        "an import over a study that has started is refused"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("has started"));
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

/// Runs `delphi ARGS` on the database in `dir` with email written to `dir/mail`; returns
/// (succeeded, stdout, stderr).
fn run_in(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = delphi()
        .args(args)
        .env(
            "DELPHI_DATABASE_URL",
            format!("sqlite://{}", dir.join("d.db").display()),
        )
        .env(
            "DELPHI_MAIL",
            format!("file://{}", dir.join("mail").display()),
        )
        .current_dir(dir)
        .output()
        .expect("runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_researcher_runs_a_round_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/splw-leadership"
    );
    let study = "splw-leadership";
    assert!(run_in(dir, &["import", example]).0);
    let (ok, out, _) = run_in(dir, &["study", "list"]);
    assert!(ok && out.contains(study) && out.contains("draft"), "{out}");

    let (ok, _, err) = run_in(dir, &["study", "show", "no-such-study"]);
    assert!(
        !ok && err.contains("there is no study `no-such-study`; the studies are: splw-leadership"),
        "{err}"
    );
    let (ok, _, err) = run_in(dir, &["study", "results", study]);
    assert!(!ok && err.contains("has no closed round yet"), "{err}");
    let (ok, _, err) = run_in(
        dir,
        &["study", "open-round", study, "--deadline", "next Friday"],
    );
    assert!(
        !ok && err.contains("`next Friday` is not a date: write YYYY-MM-DD"),
        "{err}"
    );

    let (ok, out, err) = run_in(
        dir,
        &["study", "open-round", study, "--deadline", "2099-01-31"],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("Round 1 of `splw-leadership` is open: 36 items, 40 panellists invited"),
        "{out}"
    );
    let (_, out, _) = run_in(dir, &["study", "mail", study]);
    assert!(
        out.contains("invitation     40 queued, 0 sent, 0 failed"),
        "{out}"
    );

    let (ok, _, err) = run_in(dir, &["worker", "--once"]);
    assert!(ok, "{err}");
    let delivered = std::fs::read_dir(dir.join("mail"))
        .expect("the mail folder")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
        })
        .count();
    assert_eq!(delivered, 40, "one .eml per invitation");
    let (_, out, _) = run_in(dir, &["study", "mail", study, "--round", "1"]);
    assert!(
        out.contains("invitation     0 queued, 40 sent, 0 failed"),
        "{out}"
    );

    let (ok, out, err) = run_in(dir, &["study", "remind", study]);
    assert!(ok, "{err}");
    assert!(
        out.contains("40 reminders queued; 0 non-submitters"),
        "{out}"
    );
    let (_, out, _) = run_in(dir, &["study", "remind", study]);
    assert!(
        out.contains("0 reminders queued; 40 non-submitters already had this reminder"),
        "asking twice on one day reminds nobody twice: {out}"
    );
    let (_, out, _) = run_in(dir, &["study", "mail", study, "--panellists"]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with('P')).count(),
        40,
        "a line per panellist: {out}"
    );
    for line in out.lines().filter(|l| l.starts_with('P')) {
        assert!(
            line.contains(" sent ") && line.contains(" queued "),
            "invitation sent, reminder queued: {line}"
        );
    }
    let (ok, _, err) = run_in(dir, &["study", "retry", study, "--message", "nope"]);
    assert!(
        !ok && err.contains("this study has no message with id `nope`"),
        "{err}"
    );

    let (ok, out, err) = run_in(dir, &["study", "close-round", study]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Round 1 of `splw-leadership` is closed: results stored for 36 items"),
        "{out}"
    );
    let (ok, out, err) = run_in(dir, &["study", "results", study]);
    assert!(ok, "{err}");
    assert_eq!(
        out.lines()
            .filter(|l| l.ends_with("not_classified"))
            .count(),
        36,
        "nobody rated, so no item is classified: {out}"
    );
    let (ok, _, err) = run_in(
        dir,
        &[
            "study",
            "member",
            study,
            "--email",
            "nobody@example.org",
            "--role",
            "analyst",
        ],
    );
    assert!(
        !ok && err.contains("no user with the email nobody@example.org"),
        "{err}"
    );
    let (ok, out, _) = run_in(dir, &["study", "show", study]);
    assert!(
        ok && out.contains("round 1: closed 0 of 40 invited submitted"),
        "{out}"
    );
}

#[test]
fn import_refuses_a_file_over_the_limit_before_reading_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let study = dir.path().join("study");
    std::fs::create_dir(&study).expect("folder");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/splw-leadership"
    );
    for name in ["study.toml", "items.csv"] {
        std::fs::copy(format!("{example}/{name}"), study.join(name)).expect("copy");
    }
    // A sparse 8 GiB panel file: reading it would take the memory; its size refuses it.
    let panel = std::fs::File::create(study.join("panel.csv")).expect("create");
    panel.set_len(8 << 30).expect("a sparse file");
    drop(panel);
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let started = Instant::now();
    let output = delphi()
        .arg("import")
        .arg(&study)
        .env("DELPHI_DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("panel.csv: the file has 8589934592 bytes; the limit is 5242880 (5 MiB)"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(20), "not read");
}

#[test]
fn backup_copies_the_database_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/splw-leadership"
    );
    let (ok, out, err) = run_in(dir, &["backup", "--out", "none.db"]);
    assert!(!ok && err.contains("there is no database"), "{out}{err}");
    assert!(run_in(dir, &["import", example]).0);
    let (ok, out, err) = run_in(dir, &["backup", "--out", "copy.db"]);
    assert!(ok && out.contains("Backed up"), "{out}{err}");
    // The copy is a database of its own with the study in it.
    let listed = delphi()
        .args(["study", "list"])
        .env(
            "DELPHI_DATABASE_URL",
            format!("sqlite://{}", dir.join("copy.db").display()),
        )
        .current_dir(dir)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("splw-leadership"));
    let (ok, _, err) = run_in(dir, &["backup", "--out", "copy.db"]);
    assert!(!ok && err.contains("copy.db"), "{err}");
    let pg = delphi()
        .args(["backup", "--out", "x.dump"])
        .env("DELPHI_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump --format=custom"));
}
