//! Messages arrive, one per invited panellist, with that panellist's link.

use std::collections::HashSet;

use delphi_app::{participation, Actor};
use delphi_core::states::{MailKind, OutboxStatus};
use delphi_mail::WorkerConfig;
use delphi_store::testing::TestDb;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_round_delivers_one_invitation_per_panellist_with_their_link() {
    for db in TestDb::all() {
        let app = app_on(&db);
        let (study_id, round_id) = open_round(&app, 12);
        let sink = Sink::start(&[]);
        let worker = worker(&app, &sink.url(None), quick_config());
        let report = worker.run_once().await.expect("delivery runs");
        assert_eq!(
            (report.sent, report.retried, report.failed),
            (12, 0, 0),
            "{}",
            db.label
        );
        assert_eq!(statuses(&app, &round_id), (0, 12, 0));

        let received = sink.received();
        assert_eq!(received.len(), 12, "{}", db.label);
        let expected = expected_message_ids(&app, &worker, &round_id);
        assert_eq!(assert_delivered_once(&received, &expected), 0);
        let links = links(&app, &study_id);
        let mut recipients = HashSet::new();
        for message in &received {
            let to = message.rcpt().to_owned();
            assert!(recipients.insert(to.clone()), "{to} got two invitations");
            let link = message
                .personal_link()
                .expect("a personal link in the text");
            assert_eq!(Some(&link), links.get(&to), "the link is {to}'s own");
            assert!(
                message.html.contains(&format!("href=\"{link}\"")),
                "{}",
                message.html
            );
            assert!(message.text.contains(&format!("{link}/withdraw")));
            assert!(message.header("subject").contains("You are invited"));
            assert!(message.message_id().ends_with("@delphi.test>"));
            // Who runs the study: From the configured sender, replies to the team, and a
            // mail client's "unsubscribe" reaches the withdrawal link.
            assert!(
                message.header("from").contains("<delphi@delphi.test>"),
                "{:?}",
                message.headers
            );
            assert_eq!(message.header("reply-to"), "splw-study@example.ac.uk");
            assert_eq!(
                message.header("list-unsubscribe"),
                format!("<{link}/withdraw>")
            );
            assert_eq!(
                message.header("list-unsubscribe-post"),
                "List-Unsubscribe=One-Click"
            );
            for part in [&message.text, &message.html] {
                assert!(part.contains("Dr Sam Taylor and the SPLW research team"));
                assert!(part.contains("splw-study@example.ac.uk"));
            }
            // The link in the received message opens that panellist's page (the use case
            // behind /p/{token}; the HTTP page itself is the web crate's).
            let token = link.rsplit('/').next().expect("a token");
            let mut conn = app.conn().expect("connection");
            let person = delphi_store::panellists::find_by_token_hash(
                &mut conn,
                &delphi_app::tokens::hash(token),
            )
            .expect("a lookup")
            .expect("the link works");
            assert_eq!(person.email, to);
            delphi_app::panellist::page(&app, &Actor::Panellist(token.to_owned()))
                .expect("and opens the page");
        }
        // Nothing is sent twice: a second run finds nothing due.
        let again = worker.run_once().await.expect("runs");
        assert_eq!(again.claimed, 0);
        assert_eq!(sink.count(), 12);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_authentication_is_used_and_a_wrong_password_is_recorded() {
    let db = TestDb::primary();
    let app = app_on(&db);
    let (_, round_id) = open_round(&app, 3);
    let sink = Sink::start(&["--auth", "delphi:s3cret"]);
    let wrong = worker(&app, &sink.url(Some("delphi:wrong")), quick_config());
    let report = wrong.run_once().await.expect("runs");
    assert_eq!(report.sent, 0);
    assert_eq!(sink.count(), 0);
    let mut conn = app.conn().expect("connection");
    let rows = delphi_store::outbox::for_round(&mut conn, &round_id).expect("rows");
    drop(conn);
    assert!(rows.iter().all(|r| r.last_error.is_some()), "{rows:?}");
    // Authentication failures are permanent (5xx): failed, visible, retryable.
    let failed = rows
        .iter()
        .filter(|r| r.status == OutboxStatus::Failed)
        .count();
    let queued = rows
        .iter()
        .filter(|r| r.status == OutboxStatus::Queued)
        .count();
    assert_eq!(failed + queued, 3);
    {
        let mut conn = app.conn().expect("connection");
        delphi_store::outbox::retry_failed_in_round(&mut conn, &round_id, delphi_store::now())
            .expect("retry");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let right = worker(&app, &sink.url(Some("delphi:s3cret")), quick_config());
    let report = right.run_once().await.expect("runs");
    assert_eq!(report.sent, 3, "{report:?}");
    assert_eq!(sink.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_transport_writes_one_eml_per_message() {
    let db = TestDb::primary();
    let app = app_on(&db);
    let (_, round_id) = open_round(&app, 4);
    let dir = tempfile::tempdir().expect("folder");
    let url = format!("file://{}", dir.path().display());
    let worker = worker(&app, &url, quick_config());
    assert_eq!(worker.run_once().await.expect("runs").sent, 4);
    let received = read_folder(dir.path());
    let expected = expected_message_ids(&app, &worker, &round_id);
    assert_eq!(assert_delivered_once(&received, &expected), 0);
    assert!(received.iter().all(|m| m.personal_link().is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_panellists_get_their_confirmation_and_nothing_else() {
    let db = TestDb::primary();
    let app = app_on(&db);
    let (study_id, round_id) = open_round(&app, 3);
    let links = links(&app, &study_id);
    let (email, link) = links.iter().next().expect("a panellist");
    let token = link.rsplit('/').next().expect("token");
    participation::withdraw(&app, &Actor::Panellist(token.to_owned())).expect("withdraws");
    let sink = Sink::start(&[]);
    let worker = worker(&app, &sink.url(None), quick_config());
    let report = worker.run_once().await.expect("runs");
    // Two invitations and one withdrawal confirmation go; the withdrawn person's invitation
    // does not, and stays visible with the reason.
    assert_eq!((report.sent, report.failed), (3, 1), "{report:?}");
    let to_them: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|m| m.rcpt() == email)
        .collect();
    assert_eq!(to_them.len(), 1);
    assert!(to_them[0].header("subject").contains("You have left"));
    // "Please reply to this email" reaches the team; no unsubscribe link for the leaver.
    assert_eq!(to_them[0].header("reply-to"), "splw-study@example.ac.uk");
    assert_eq!(to_them[0].header("list-unsubscribe"), "");
    let mut conn = app.conn().expect("connection");
    let problems = delphi_store::outbox::problems_for_round(&mut conn, &round_id).expect("rows");
    assert_eq!(problems.len(), 1);
    assert!(problems[0]
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("withdrawn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_researchers_wording_is_checked_previewed_test_sent_and_used() {
    use delphi_app::email_templates::{self as wording, CustomWording};
    let db = TestDb::primary();
    let app = app_on(&db);
    let id =
        delphi_app::studies::create_from_definition(&app, OPERATOR, &study("wording", 3), None)
            .expect("imports");
    let study_id = "wording";
    let templates = delphi_render::Templates::load().expect("templates");

    let current = wording::editable(&app, &templates, OPERATOR, study_id, MailKind::Invitation)
        .expect("reads");
    assert!(!current.customised);
    assert!(current.subject.contains("{{study_title}}"));

    let unknown = CustomWording {
        subject: "Hello {{nmae}}".to_owned(),
        body_text: "{{link}}".to_owned(),
    };
    let err = wording::save(
        &app,
        &templates,
        OPERATOR,
        study_id,
        MailKind::Invitation,
        &unknown,
    )
    .expect_err("refused");
    assert_eq!(err.field(), Some("subject"));
    assert!(err.to_string().contains("nmae"), "{err}");
    let broken = CustomWording {
        subject: "Hello".to_owned(),
        body_text: "{{#if deadline}}no end".to_owned(),
    };
    let err = wording::save(
        &app,
        &templates,
        OPERATOR,
        study_id,
        MailKind::Invitation,
        &broken,
    )
    .expect_err("refused");
    assert_eq!(err.field(), Some("body_text"));
    assert!(err.to_string().contains("line 1"), "{err}");

    let mine = CustomWording {
        subject: "Your invitation to round {{round_number}}".to_owned(),
        body_text: "{{> greeting}}\n\nPlease join us: {{link}}\n\nTo leave: {{withdraw_link}}\n"
            .to_owned(),
    };
    let preview = wording::preview(
        &app,
        &templates,
        OPERATOR,
        study_id,
        MailKind::Invitation,
        Some(&mine),
    )
    .expect("previews");
    assert_eq!(preview.subject, "Your invitation to round 1");
    assert!(
        preview.text.starts_with("Dear Alex Morgan,"),
        "{}",
        preview.text
    );

    let sink = Sink::start(&[]);
    let worker = worker(&app, &sink.url(None), quick_config());
    wording::send_test(
        &app,
        &templates,
        OPERATOR,
        study_id,
        MailKind::Invitation,
        Some("me@uni.example"),
        Some(&mine),
    )
    .expect("queued");
    worker.run_once().await.expect("sent");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt(), "me@uni.example");
    assert_eq!(
        received[0].header("subject"),
        "[Test] Your invitation to round 1"
    );

    wording::save(
        &app,
        &templates,
        OPERATOR,
        study_id,
        MailKind::Invitation,
        &mine,
    )
    .expect("saved");
    assert!(
        wording::editable(&app, &templates, OPERATOR, study_id, MailKind::Invitation)
            .expect("reads")
            .customised
    );
    let opened = delphi_app::opening::open_first_round(
        &app,
        OPERATOR,
        study_id,
        &delphi_app::opening::RoundOptions::default(),
    )
    .expect("opens");
    worker.run_once().await.expect("sent");
    let invitations: Vec<Received> = sink
        .received()
        .into_iter()
        .filter(|m| m.header("subject") == "Your invitation to round 1")
        .collect();
    assert_eq!(invitations.len(), 3, "the study's wording is used");
    let links = links(&app, &id);
    for message in &invitations {
        assert_eq!(message.personal_link().as_ref(), links.get(message.rcpt()));
        assert!(message.html.contains("Please join us"), "{}", message.html);
    }
    assert_eq!(statuses(&app, &opened.round_id).1, 3);
    assert!(wording::reset(&app, OPERATOR, study_id, MailKind::Invitation).expect("resets"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_without_a_team_contact_has_replies_go_to_the_configured_address() {
    let db = TestDb::sqlite();
    let app = app_on(&db);
    let (study_id, _) = open_round(&app, 2);
    {
        let mut conn = app.conn().expect("connection");
        let mut study = delphi_store::studies::find(&mut conn, &study_id)
            .expect("a lookup")
            .expect("the study");
        study.team_contact = String::new();
        delphi_store::drafts::update_study(&mut conn, &study).expect("updated");
    }
    let sink = Sink::start(&[]);
    let config = WorkerConfig {
        reply_to: Some("Study desk <desk@delphi.test>".to_owned()),
        ..quick_config()
    };
    let worker = worker(&app, &sink.url(None), config);
    worker.run_once().await.expect("runs");
    let received = sink.received();
    assert_eq!(received.len(), 2);
    for message in &received {
        assert!(
            message.header("reply-to").contains("<desk@delphi.test>"),
            "{:?}",
            message.headers
        );
        assert!(!message.text.contains("Questions about the study"));
    }
}
