//! The browser tests' server: builds a fresh SQLite database with studies in the states the
//! tests need, prints their panellist URLs (and a researcher's sign-in) as one line of JSON on stdout, then serves until
//! killed. Test-only; run by `web/tests/run.sh`.
#![allow(missing_docs)]

#[path = "../fixtures/study.rs"]
mod fixture;

use std::io::Write as _;
use std::net::TcpListener;

use delphi_app::{App, SecretKey};
use delphi_store::testing::TestDb;
use delphi_web::WebOptions;

const RESEARCHER: &str = "researcher@example.org";
const PASSWORD: &str = "a long fixture password";

fn main() -> std::io::Result<()> {
    let db = TestDb::sqlite();
    let app = App::new(db.pool.clone(), SecretKey::generate(), "http://127.0.0.1");

    // Round 1 open: fresh panellists for the keyboard, reload and no-JavaScript flows.
    let one = fixture::round_one(&app, "browser-round-1", 6, 6);
    // Round 2 open with feedback (25 panellists, so every group has 5 responses).
    let two = fixture::round_two(&app, "browser-round-2", 6, 25, &[]);
    // Round 2 shown one section per page (9 statements in three sections), opening with the
    // item ledger (two statements agreed, one reworded, one new): sections.test.mjs.
    let sections = fixture::round_two(&app, "browser-sections", 9, 25, &[]);
    fixture::pages_by_section(&app, &sections.slug, delphi_core::settings::BySection::On);
    // Round 1 closed.
    let closed = fixture::round_one(&app, "browser-closed", 3, 5);
    fixture::answer_round_one(&app, &closed, &[4]);
    delphi_app::closing::close_round(&app, fixture::OPERATOR, &closed.slug)
        .map_err(|e| std::io::Error::other(e.to_string()))?;

    // Five-point scales, with and without "unable to rate", consented (a11y.test.mjs).
    let five = fixture::five_point_round_one(&app, "browser-five", true);
    let five_plain = fixture::five_point_round_one(&app, "browser-five-plain", false);

    // Round 2 open and answered, with comments, for the planner test (planner.test.mjs).
    let plan = fixture::round_two(&app, "browser-plan", 6, 25, &[]);
    answer_open_round(&app, &plan).map_err(|e| std::io::Error::other(e.to_string()))?;

    // Round 1 open asking "is anything missing?" and background questions (questions.test.mjs).
    let asks = fixture::round_one_with_questions(&app, "browser-questions", 6, 6);
    // Round 1 closed with suggestions, one of them already an added item, for the planner.
    let suggested = fixture::round_one_with_questions(&app, "browser-suggest", 6, 10);
    suggest_and_close(&app, &suggested).map_err(|e| std::io::Error::other(e.to_string()))?;

    // A researcher who owns the round-2 study, for the /admin pages.
    let io = |e: delphi_app::AppError| std::io::Error::other(e.to_string());
    let operator = fixture::OPERATOR;
    delphi_app::users::create_user(
        &app,
        operator,
        RESEARCHER,
        "Rhea Researcher",
        PASSWORD,
        false,
    )
    .map_err(io)?;
    let owner = delphi_core::states::Role::Owner;
    delphi_app::users::add_member(&app, operator, &two.slug, RESEARCHER, owner).map_err(io)?;
    delphi_app::users::add_member(&app, operator, &plan.slug, RESEARCHER, owner).map_err(io)?;
    delphi_app::users::add_member(&app, operator, &suggested.slug, RESEARCHER, owner)
        .map_err(io)?;

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    // Email goes to .eml files here (setup.test.mjs reads the set-password and reset links).
    let mail_dir = tempfile::tempdir()?;
    let app = App::new(app.db.clone(), app.secret.clone(), base.clone());
    let url = |token: &String| format!("{base}/p/{token}");
    let urls = serde_json::json!({
        "base": base,
        "round1": one.tokens.iter().map(url).collect::<Vec<_>>(),
        "round2": two.tokens.iter().take(3).map(url).collect::<Vec<_>>(),
        "sections": sections.tokens.iter().take(3).map(url).collect::<Vec<_>>(),
        "closed": url(&closed.tokens[0]),
        "five": [url(&five.tokens[0]), url(&five_plain.tokens[0])],
        "unknown": format!("{base}/p/{}", "A".repeat(32)),
        "admin": { "login": format!("{base}/admin/login"), "email": RESEARCHER, "password": PASSWORD,
                   "study": format!("{base}/admin/studies/browser-round-2") },
        "mail_dir": mail_dir.path(),
        "questions": asks.tokens.iter().take(2).map(url).collect::<Vec<_>>(),
        "suggest": format!("{base}/admin/studies/{}/plan", suggested.slug),
        "plan": { "slug": plan.slug, "study": format!("{base}/admin/studies/{}", plan.slug),
                  "panellist": url(&plan.tokens[0]) },
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{urls}")?;
    out.flush()?;
    drop(out);

    let transport = delphi_mail::Transport::File {
        dir: mail_dir.path().to_path_buf(),
    };
    let config = delphi_mail::WorkerConfig {
        idle_poll: std::time::Duration::from_millis(200),
        reminder_days_before: Vec::new(),
        ..delphi_mail::WorkerConfig::default()
    };
    let worker = delphi_mail::Worker::new(app.clone(), transport, config)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    actix_web::rt::System::new().block_on(async move {
        actix_web::rt::spawn(async move { worker.run_until(std::future::pending()).await });
        delphi_web::start_with(
            app,
            listener,
            WebOptions {
                workers: 2,
                ..WebOptions::default()
            },
        )?
        .await?;
        drop(db);
        drop(mail_dir);
        Ok(())
    })
}

/// Answers round 1 of `f`, with two suggestions (one for the first section, one for the
/// whole round), closes it and adds an item from the first suggestion.
fn suggest_and_close(app: &App, f: &fixture::Fixture) -> Result<(), delphi_app::AppError> {
    use delphi_app::questions::{save_open_answer, OpenInput};
    fixture::answer_round_one(app, f, &[]);
    for (token, n, text) in [
        (&f.tokens[0], 1, "Peer support groups for link workers"),
        (&f.tokens[3], 0, "Nothing on <b>transport</b> to activities"),
    ] {
        let me = delphi_app::Actor::Panellist(token.clone());
        save_open_answer(
            app,
            &me,
            &OpenInput {
                n,
                text: text.to_owned(),
            },
        )?;
    }
    delphi_app::closing::close_round(app, fixture::OPERATOR, &f.slug)?;
    let add = delphi_app::planner::ChangeInput {
        kind: delphi_core::states::PlanChangeKind::Add,
        code: "I7".to_owned(),
        new_code: None,
        section: Some("Patient level".to_owned()),
        text: Some("Link workers meet in peer support groups.".to_owned()),
        reason: "Suggested by a panellist in round 1.".to_owned(),
        from_comment: None,
        from_suggestion: Some(delphi_app::planner::SuggestionSource {
            section: "Patient level".to_owned(),
            pseudonym: "P001".to_owned(),
        }),
    };
    delphi_app::planner::change(app, fixture::OPERATOR, &f.slug, &add)
}

/// Answers the open round for every panellist of `f` and submits; the first five comment on
/// the round's second rated item, which the panel stays split on (one comment names someone).
fn answer_open_round(app: &App, f: &fixture::Fixture) -> Result<(), delphi_app::AppError> {
    use delphi_app::participation::{self, AnswerInput};
    use delphi_core::states::Disposition;
    let codes: Vec<String> = {
        let mut conn = app.conn()?;
        let round = delphi_store::rounds::latest(&mut conn, &f.study_id)?
            .ok_or_else(|| delphi_app::AppError::Internal("no round".to_owned()))?;
        let mut codes = Vec::new();
        for ri in delphi_store::rounds::items(&mut conn, &round.id)? {
            if ri.disposition == Disposition::ForInformation {
                continue;
            }
            if let Some(item) = delphi_store::items::find(&mut conn, &ri.item_id)? {
                codes.push(item.code);
            }
        }
        codes
    };
    let comments = [
        "Round 2: the wording is clear now.",
        "Round 2: this matters most in rural practices.",
        "Round 2: an off-topic remark to hide.",
        "Round 2: as Dr Jane Doe at our clinic says, time is the issue.",
        "Round 2: please also ask about funding for link workers.",
    ];
    for (p, token) in f.tokens.iter().enumerate() {
        let me = delphi_app::Actor::Panellist(token.clone());
        let answers: Vec<AnswerInput> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| AnswerInput {
                item_code: code.clone(),
                rating: Some(fixture::rating_for(i, p + 1)),
                unable_to_rate: false,
                comment: (i == 1)
                    .then(|| comments.get(p).map(|c| (*c).to_owned()))
                    .flatten(),
                reason: None,
            })
            .collect();
        participation::save_answers(app, &me, &answers)?;
        participation::submit(app, &me)?;
    }
    Ok(())
}
