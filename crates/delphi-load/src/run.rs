//! `delphi-load run`: panellists completing a round through the HTTP pages and API, open
//! loop. Each panellist opens the round page (reading the page's CSRF value), consents if
//! asked, saves one item after another (cycling through the items), and submits after its
//! first pass through them. Request `k` of a panellist is due at `start + k * interval`,
//! whatever happened to the ones before, and its latency counts from when it was due: a
//! server that falls behind shows its queue in the figures instead of slowing the offered
//! load (no coordinated omission).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::report::{Kind, Report};
use crate::setup::StudyFile;

/// Options of `delphi-load run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The server, e.g. `http://127.0.0.1:8080` or `https://delphi.example.org`.
    #[arg(long)]
    pub base: String,
    /// The study file written by `setup` (not needed with --hello).
    #[arg(long, required_unless_present = "hello")]
    pub study: Option<PathBuf>,
    /// Requests per second offered by all panellists together.
    #[arg(long, default_value_t = 3000.0)]
    pub rate: f64,
    /// Panellists at once (the first N of the study file; default: all of them).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before measuring (connections and caches warm up).
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Client threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Where to write, per panellist and item, the last acknowledged rating and the ratings
    /// sent after it without an answer (for `verify`).
    #[arg(long)]
    pub acks: Option<PathBuf>,
    /// A PEM certificate to trust (the self-signed one of a test proxy).
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// GET / instead of a panellist's round (against the hello-world ceiling).
    #[arg(long)]
    pub hello: bool,
    /// Where to write every measured request as CSV (`due_ms,kind,latency_ms,late_ms,ok`:
    /// when it was due, counted from the start of the measured window; how long it took; how
    /// late the client sent it), to see when in a run the slow requests came, and whether
    /// the client or the server was behind.
    #[arg(long)]
    pub timeline: Option<PathBuf>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Exit with an error when any request failed.
    #[arg(long)]
    pub strict: bool,
}

/// What became of one item's saves for one panellist.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ItemAcks {
    /// The last rating the server acknowledged.
    pub acked: Option<i32>,
    /// Ratings sent after it that got no success answer (they may or may not be stored).
    pub unknown: Vec<i32>,
}

/// One panellist's record, as `verify` reads it.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct PanellistAcks {
    /// The link token.
    pub token: String,
    /// Item code -> saves.
    pub items: HashMap<String, ItemAcks>,
    /// A submission was acknowledged.
    pub submitted: bool,
}

/// Where a panellist is in the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Open,
    Consent,
    Save,
    Submit,
}

struct Shared {
    client: reqwest::Client,
    base: String,
    codes: Vec<String>,
    hello: bool,
    interval: Duration,
    measure_from: Instant,
    until: Instant,
    /// Keep every measured request for `--timeline`.
    timeline: bool,
}

/// What one panellist did.
struct Outcome {
    report: Report,
    acks: PanellistAcks,
    /// Measured requests, with `--timeline`.
    samples: Vec<Sample>,
}

/// One measured request, for `--timeline`.
struct Sample {
    /// When it was due, from the start of the measured window.
    due: Duration,
    kind: Kind,
    latency: Duration,
    /// How long after it was due the client got to send it (a client falling behind, not
    /// the server, when this is most of the latency).
    late: Duration,
    ok: bool,
}

fn rating_for(seq: usize) -> i32 {
    // 1..=9, changing from one save of an item to the next.
    (seq.wrapping_mul(7) % 9 + 1) as i32
}

/// The page's CSRF value (`<input type=hidden name=csrf value="...">`).
fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=csrf value=\"")? + "name=csrf value=\"".len();
    let len = html[at..].find('"')?;
    Some(html[at..at + len].to_owned())
}

async fn panellist(shared: Arc<Shared>, token: String, first: Instant, seed: usize) -> Outcome {
    let mut outcome = Outcome {
        report: Report::default(),
        acks: PanellistAcks {
            token: token.clone(),
            ..PanellistAcks::default()
        },
        samples: Vec::new(),
    };
    let base = &shared.base;
    let mut step = if shared.hello { Step::Save } else { Step::Open };
    let mut csrf = String::new();
    let mut saves = 0usize;
    let mut due = first;
    while due < shared.until {
        tokio::time::sleep_until(due.into()).await;
        let (kind, request) = match step {
            Step::Open => (Kind::Page, shared.client.get(format!("{base}/p/{token}"))),
            Step::Consent => (
                Kind::Consent,
                shared
                    .client
                    .post(format!("{base}/api/v1/p/{token}/consent"))
                    .header("X-CSRF-Token", &csrf),
            ),
            Step::Submit => (
                Kind::Submit,
                shared
                    .client
                    .post(format!("{base}/api/v1/p/{token}/submit"))
                    .header("X-CSRF-Token", &csrf),
            ),
            Step::Save if shared.hello => (Kind::Page, shared.client.get(format!("{base}/"))),
            Step::Save => {
                let code = &shared.codes[(seed + saves) % shared.codes.len()];
                let rating = rating_for(seed + saves);
                (
                    Kind::Save,
                    shared
                        .client
                        .put(format!("{base}/api/v1/p/{token}/answers/{code}"))
                        .header("X-CSRF-Token", &csrf)
                        .json(&serde_json::json!({ "rating": rating })),
                )
            }
        };
        let late = due.elapsed();
        let answer = match request.send().await {
            Ok(response) if response.status().is_success() => response.text().await.ok(),
            Ok(response) => {
                outcome
                    .report
                    .note_error(format!("{kind:?}: HTTP {}", response.status()));
                None
            }
            Err(error) => {
                outcome
                    .report
                    .note_error(format!("{kind:?}: {}", chain(&error)));
                None
            }
        };
        let measured = due >= shared.measure_from;
        if measured {
            let latency = due.elapsed();
            outcome.report.record(kind, latency, answer.is_some());
            if shared.timeline {
                outcome.samples.push(Sample {
                    due: due - shared.measure_from,
                    kind,
                    latency,
                    late,
                    ok: answer.is_some(),
                });
            }
        }
        step = match (step, answer) {
            (Step::Open, Some(html)) => match csrf_of(&html) {
                Some(value) => {
                    csrf = value;
                    if html.contains("/consent\"") {
                        Step::Consent
                    } else {
                        Step::Save
                    }
                }
                None => {
                    outcome
                        .report
                        .note_error("Page: no CSRF value on the page".to_owned());
                    Step::Open
                }
            },
            (Step::Open, None) => Step::Open,
            (Step::Consent, Some(_)) => Step::Save,
            (Step::Consent, None) => Step::Open,
            (Step::Save, ok) if !shared.hello => {
                let code = shared.codes[(seed + saves) % shared.codes.len()].clone();
                let rating = rating_for(seed + saves);
                let item = outcome.acks.items.entry(code).or_default();
                if ok.is_some() {
                    item.acked = Some(rating);
                    item.unknown.clear();
                } else {
                    item.unknown.push(rating);
                }
                saves += 1;
                if saves == shared.codes.len() && !outcome.acks.submitted {
                    Step::Submit
                } else {
                    Step::Save
                }
            }
            (Step::Save, _) => Step::Save,
            (Step::Submit, ok) => {
                outcome.acks.submitted |= ok.is_some();
                Step::Save
            }
        };
        due += shared.interval;
    }
    outcome
}

/// An error with its causes (reqwest's own message does not say why a request failed), the
/// link token left out.
fn chain(error: &reqwest::Error) -> String {
    // "error sending request for url (...)": the URL holds the token; the kind is enough.
    let shown = error.to_string();
    let mut text = shown
        .split(" for url (")
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn client(args: &RunArgs, connections: usize) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        // Below the server's keep-alive (actix-web's 5 s): a connection left idle after a
        // burst is dropped here before the server closes it, instead of being reused just
        // as the server's close arrives ("connection closed before message completed").
        .pool_idle_timeout(Duration::from_secs(4))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30));
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    Ok(builder.build()?)
}

/// Runs the load and prints the summary.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let study = match &args.study {
        Some(path) => StudyFile::read(path)?,
        None => StudyFile {
            slug: String::new(),
            codes: vec![String::new()],
            tokens: Vec::new(),
        },
    };
    let panel = if args.hello {
        args.concurrency.unwrap_or(200)
    } else {
        args.concurrency
            .unwrap_or(study.tokens.len())
            .min(study.tokens.len())
    };
    anyhow::ensure!(
        panel > 0,
        "no panellists to run (--concurrency or the study file)"
    );
    anyhow::ensure!(
        args.rate > 0.0 && args.duration > 0.0,
        "--rate and --duration must be positive"
    );
    anyhow::ensure!(!study.codes.is_empty(), "the study has no items");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let outcomes = runtime.block_on(async {
        let start = Instant::now() + Duration::from_millis(50);
        let interval = Duration::from_secs_f64(panel as f64 / args.rate);
        let measure_from = start + Duration::from_secs_f64(args.warmup);
        let shared = Arc::new(Shared {
            client: client(args, panel)?,
            base: args.base.trim_end_matches('/').to_owned(),
            codes: study.codes.clone(),
            hello: args.hello,
            interval,
            measure_from,
            until: measure_from + Duration::from_secs_f64(args.duration),
            timeline: args.timeline.is_some(),
        });
        let mut tasks = Vec::with_capacity(panel);
        for i in 0..panel {
            let token = study.tokens.get(i).cloned().unwrap_or_default();
            // The first requests are spread over one interval, then each keeps its beat.
            let first = start + interval.mul_f64(i as f64 / panel as f64);
            tasks.push(tokio::spawn(panellist(
                shared.clone(),
                token,
                first,
                i * 13,
            )));
        }
        let mut outcomes = Vec::with_capacity(panel);
        for task in tasks {
            outcomes.push(task.await?);
        }
        Ok::<_, anyhow::Error>(outcomes)
    })?;
    let mut total = Report::default();
    for outcome in &outcomes {
        total.merge(&outcome.report);
    }
    let summary = total.summary(args.rate, panel, args.duration);
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{summary}");
    }
    if let Some(path) = &args.acks {
        let acks: Vec<&PanellistAcks> = outcomes.iter().map(|o| &o.acks).collect();
        std::fs::write(path, serde_json::to_string(&acks)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.timeline {
        write_timeline(path, &outcomes)?;
    }
    if args.strict && summary.errors > 0 {
        anyhow::bail!("{} requests failed", summary.errors);
    }
    Ok(())
}

/// Writes every measured request, in the order they were due.
fn write_timeline(path: &std::path::Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut samples: Vec<&Sample> = outcomes.iter().flat_map(|o| &o.samples).collect();
    samples.sort_by_key(|s| s.due);
    let mut csv = String::from("due_ms,kind,latency_ms,late_ms,ok\n");
    for s in samples {
        let _ = writeln!(
            csv,
            "{:.3},{},{:.3},{:.3},{}",
            s.due.as_secs_f64() * 1e3,
            s.kind.name(),
            s.latency.as_secs_f64() * 1e3,
            s.late.as_secs_f64() * 1e3,
            s.ok
        );
    }
    std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_value_is_read_from_the_page() {
        let html = r#"<form><input type=hidden name=csrf value="abc-123"></form>"#;
        assert_eq!(csrf_of(html).as_deref(), Some("abc-123"));
        assert_eq!(csrf_of("<p>no form</p>"), None);
    }

    #[test]
    fn ratings_stay_on_the_scale_and_change() {
        let ratings: Vec<i32> = (0..20).map(rating_for).collect();
        assert!(ratings.iter().all(|r| (1..=9).contains(r)));
        assert!(ratings.windows(2).all(|w| w[0] != w[1]));
    }
}
