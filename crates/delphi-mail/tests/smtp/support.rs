//! A real SMTP server on loopback (aiosmtpd in a child process, killable and restartable on
//! the same port), reading what it received, and an app with a study per backend.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use delphi_app::{opening, studies, tokens, Actor, App, SecretKey};
use delphi_core::states::OutboxStatus;

/// The suites arrange their studies as the command-line operator.
pub const OPERATOR: &Actor = &Actor::Operator;
use delphi_core::definition::StudyDefinition;
use delphi_mail::{Transport, Worker, WorkerConfig};
use delphi_store::testing::TestDb;

const PYTHON: &str = "/usr/bin/python3";

/// The sink script beside this file.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/smtp_sink.py")
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The SMTP server process and the folder it writes to.
pub struct Sink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    extra: Vec<String>,
}

impl Sink {
    /// Starts a server on a fresh port.
    pub fn start(extra: &[&str]) -> Self {
        let mut sink = Self::stopped(extra);
        sink.up();
        sink
    }

    /// A server that is not running yet (its port is reserved only by convention).
    pub fn stopped(extra: &[&str]) -> Self {
        assert!(
            Command::new(PYTHON)
                .args(["-c", "import aiosmtpd"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false),
            "python3-aiosmtpd is missing: run scripts/install-smtp-test-server.sh"
        );
        Self {
            port: free_port(),
            dir: tempfile::tempdir().expect("a folder for received mail"),
            child: None,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Starts (or restarts) the server and waits until it listens.
    pub fn up(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut child = Command::new(PYTHON)
            .arg(script())
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the sink says READY");
        assert_eq!(line.trim(), "READY", "sink said {line:?}");
        self.child = Some(child);
    }

    /// Kills the server abruptly (SIGKILL), like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `smtp://127.0.0.1:PORT?tls=none&timeout=5`, with optional credentials.
    pub fn url(&self, credentials: Option<&str>) -> String {
        let auth = credentials.map(|c| format!("{c}@")).unwrap_or_default();
        format!("smtp://{auth}127.0.0.1:{}?tls=none&timeout=5", self.port)
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        read_folder(self.dir.path())
    }

    /// How many messages arrived (cheap).
    pub fn count(&self) -> usize {
        count_eml(self.dir.path())
    }

    /// Waits until at least `n` messages arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn count_eml(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

/// One received message, parsed enough for the assertions.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    /// The decoded text/plain part.
    pub text: String,
    /// The decoded text/html part.
    pub html: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }

    pub fn message_id(&self) -> &str {
        self.header("message-id")
    }

    /// The envelope recipient.
    pub fn rcpt(&self) -> &str {
        self.header("x-sink-rcpt")
    }

    /// The first personal link `…/p/{token}` in the plain text.
    pub fn personal_link(&self) -> Option<String> {
        let start = self.text.find("http")?;
        let link: String = self.text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link.contains("/p/").then_some(link)
    }
}

pub fn read_folder(dir: &Path) -> Vec<Received> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the sink folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".eml") && !name.starts_with('.')
        })
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| parse(&std::fs::read_to_string(p).expect("a readable message")))
        .collect()
}

fn split_head(raw: &str) -> (HashMap<String, String>, &str) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let mut headers = HashMap::new();
    let mut last: Option<String> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(name) = &last {
                if let Some(v) = headers.get_mut(name) {
                    let v: &mut String = v;
                    v.push(' ');
                    v.push_str(line.trim());
                }
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.insert(name.clone(), value.trim().to_owned());
            last = Some(name);
        }
    }
    (headers, body)
}

fn parse(raw: &str) -> Received {
    let (headers, body) = split_head(raw);
    let content_type = headers.get("content-type").cloned().unwrap_or_default();
    let mut text = String::new();
    let mut html = String::new();
    if let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    {
        let boundary = format!("--{}", boundary.trim_matches('"'));
        for part in body.split(&boundary) {
            let (part_headers, part_body) = split_head(part.trim_start_matches(['\r', '\n']));
            let kind = part_headers
                .get("content-type")
                .cloned()
                .unwrap_or_default();
            let decoded = decode(
                part_body,
                part_headers
                    .get("content-transfer-encoding")
                    .map_or("7bit", String::as_str),
            );
            if kind.starts_with("text/plain") {
                text = decoded;
            } else if kind.starts_with("text/html") {
                html = decoded;
            }
        }
    }
    Received {
        headers,
        text,
        html,
    }
}

fn decode(body: &str, encoding: &str) -> String {
    match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "").replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).replace("\r\n", "\n")
        }
        "base64" => {
            use base64::Engine;
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact.trim_end_matches('-'))
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        }
        _ => body.replace("\r\n", "\n"),
    }
}

/// A study like the example, with `panel` panellists in two groups.
pub fn study(slug: &str, panel: usize) -> StudyDefinition {
    let toml = include_str!("../../../../examples/splw-leadership/study.toml")
        .replace("slug = \"splw-leadership\"", &format!("slug = \"{slug}\""));
    let items = "code,section,text\nA1,Patient level,First\nA2,Patient level,Second\n";
    let mut people = String::from("email,name,group\n");
    for i in 0..panel {
        let group = if i % 2 == 0 {
            "link_workers"
        } else {
            "lived_experience"
        };
        people.push_str(&format!("person{i}@example.org,Person {i},{group}\n"));
    }
    StudyDefinition::parse(&toml, items, &people).expect("the study parses")
}

/// An app on a fresh database.
pub fn app_on(db: &TestDb) -> App {
    App::new(
        db.pool.clone(),
        SecretKey::generate(),
        "http://delphi.test:8080",
    )
}

/// Imports a study of `panel` people and opens round 1; returns (study id, round id).
pub fn open_round(app: &App, panel: usize) -> (String, String) {
    let study_id = studies::create_from_definition(app, OPERATOR, &study("mail", panel), None)
        .expect("the study imports");
    let opened =
        opening::open_first_round(app, OPERATOR, "mail", &opening::RoundOptions::default())
            .expect("round 1 opens");
    (study_id, opened.round_id)
}

/// email -> personal link, from the app.
pub fn links(app: &App, study_id: &str) -> HashMap<String, String> {
    let mut conn = app.conn().expect("connection");
    delphi_store::panellists::for_study(&mut conn, study_id)
        .expect("panel")
        .into_iter()
        .map(|p| {
            let token = tokens::unseal(&app.secret, &p.token_sealed).expect("unseal");
            (p.email, tokens::link(&app.base_url, &token))
        })
        .collect()
}

/// A worker configuration for tests: small batches, quick retries.
pub fn quick_config() -> WorkerConfig {
    WorkerConfig {
        from: "Delphi tests <delphi@delphi.test>".to_owned(),
        batch_size: 50,
        concurrency: 4,
        lease: Duration::from_secs(30),
        max_attempts: 5,
        backoff_base: Duration::from_millis(100),
        backoff_cap: Duration::from_millis(400),
        idle_poll: Duration::from_millis(100),
        ..WorkerConfig::default()
    }
}

pub fn worker(app: &App, url: &str, config: WorkerConfig) -> Worker {
    let transport = Transport::from_url(url).expect("the URL parses");
    Worker::new(app.clone(), transport, config).expect("the worker starts")
}

/// Status counts of a round's outbox: (queued, sent, failed).
pub fn statuses(app: &App, round_id: &str) -> (usize, usize, usize) {
    let mut conn = app.conn().expect("connection");
    let rows = delphi_store::outbox::for_round(&mut conn, round_id).expect("outbox");
    let count = |s: OutboxStatus| rows.iter().filter(|r| r.status == s).count();
    (
        count(OutboxStatus::Queued),
        count(OutboxStatus::Sent),
        count(OutboxStatus::Failed),
    )
}

/// The outbox ids of a round, as Message-IDs.
pub fn expected_message_ids(app: &App, worker: &Worker, round_id: &str) -> Vec<String> {
    let mut conn = app.conn().expect("connection");
    let mut ids: Vec<String> = delphi_store::outbox::for_round(&mut conn, round_id)
        .expect("outbox")
        .into_iter()
        .map(|r| worker.message_id(&r.id))
        .collect();
    ids.sort();
    ids
}

/// Asserts every expected message arrived, nothing else did, and any repeat carries the
/// same Message-ID (so the receiver can drop it). Returns how many repeats there were.
pub fn assert_delivered_once(received: &[Received], expected: &[String]) -> usize {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for message in received {
        *seen.entry(message.message_id()).or_default() += 1;
    }
    let mut distinct: Vec<&str> = seen.keys().copied().collect();
    distinct.sort_unstable();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(
        distinct.len(),
        expected.len(),
        "distinct Message-IDs received vs outbox rows"
    );
    assert_eq!(
        distinct, expected,
        "the received Message-IDs are the outbox's"
    );
    received.len() - distinct.len()
}
