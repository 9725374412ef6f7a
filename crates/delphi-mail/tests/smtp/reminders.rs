//! Reminders reach exactly the panellists who have not submitted, once per occasion.

use std::collections::HashSet;

use chrono::Duration;
use delphi_app::participation::{self, AnswerInput};
use delphi_app::{opening, reminders, studies, Actor};
use delphi_core::states::MailKind;
use delphi_store::testing::TestDb;

use crate::support::*;

fn answer(code: &str, rating: i32) -> AnswerInput {
    AnswerInput {
        item_code: code.to_owned(),
        rating: Some(rating),
        unable_to_rate: false,
        comment: None,
        reason: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_reach_exactly_the_non_submitters_once() {
    for db in TestDb::all() {
        let app = app_on(&db);
        let study_id = studies::create_from_definition(&app, OPERATOR, &study("remind", 10), None)
            .expect("imports");
        let deadline = delphi_store::now() + Duration::days(7);
        opening::open_first_round(
            &app,
            OPERATOR,
            "remind",
            &opening::RoundOptions {
                deadline: Some(deadline),
                instructions: String::new(),
            },
        )
        .expect("opens");
        let links = links(&app, &study_id);
        let mut emails: Vec<&String> = links.keys().collect();
        emails.sort();
        let submitters: HashSet<String> = emails[..4].iter().map(|e| (*e).clone()).collect();
        for email in &submitters {
            let token = links[email].rsplit('/').next().expect("token");
            let panellist = Actor::Panellist(token.to_owned());
            participation::consent(&app, &panellist).expect("consents");
            for code in ["A1", "A2"] {
                participation::save_answer(&app, &panellist, &answer(code, 8)).expect("saves");
            }
            participation::submit(&app, &panellist).expect("submits");
        }
        let sink = Sink::start(&[]);
        let worker = worker(&app, &sink.url(None), quick_config());
        worker
            .run_once()
            .await
            .expect("invitations and thank-yous go");
        let before = sink.count();
        assert_eq!(before, 10 + 4, "{}", db.label);

        let report = reminders::remind_now(&app, OPERATOR, "remind", None).expect("queued");
        assert_eq!((report.queued, report.already_reminded), (6, 0));
        let again = reminders::remind_now(&app, OPERATOR, "remind", None).expect("no-op");
        assert_eq!(
            (again.queued, again.already_reminded),
            (0, 6),
            "one reminder per day"
        );
        worker.run_once().await.expect("reminders go");
        let reminded: Vec<Received> = sink
            .received()
            .into_iter()
            .filter(|m| m.header("subject").starts_with("A reminder"))
            .collect();
        let to: HashSet<String> = reminded.iter().map(|m| m.rcpt().to_owned()).collect();
        let expected: HashSet<String> = links
            .keys()
            .filter(|e| !submitters.contains(*e))
            .cloned()
            .collect();
        assert_eq!(reminded.len(), 6, "{}", db.label);
        assert_eq!(to, expected, "exactly the non-submitters");
        for message in &reminded {
            assert_eq!(message.personal_link().as_ref(), links.get(message.rcpt()));
            assert!(
                message.text.contains("The round closes on"),
                "{}",
                message.text
            );
        }

        // Scheduled: 3 days before the deadline, once, whatever the number of checks.
        let early = reminders::queue_scheduled(
            &app,
            &Actor::MailWorker,
            deadline - Duration::days(5),
            &[3, 1],
        )
        .expect("checks");
        assert_eq!(early, 0, "not yet due");
        let due = reminders::queue_scheduled(
            &app,
            &Actor::MailWorker,
            deadline - Duration::days(2),
            &[3, 1],
        )
        .expect("checks");
        assert_eq!(due, 6);
        let repeat = reminders::queue_scheduled(
            &app,
            &Actor::MailWorker,
            deadline - Duration::days(2),
            &[3, 1],
        )
        .expect("checks");
        assert_eq!(repeat, 0, "nobody gets the same reminder twice");
        let last_day = reminders::queue_scheduled(
            &app,
            &Actor::MailWorker,
            deadline - Duration::hours(12),
            &[3, 1],
        )
        .expect("checks");
        assert_eq!(last_day, 6, "the 1-day reminder is a different occasion");
        let after = reminders::queue_scheduled(
            &app,
            &Actor::MailWorker,
            deadline + Duration::hours(1),
            &[3, 1],
        )
        .expect("checks");
        assert_eq!(after, 0, "nothing after the deadline");

        let overview =
            delphi_app::outbox::panellist_mail(&app, OPERATOR, "remind").expect("overview");
        for person in &overview {
            let reminded = !submitters.contains(&person.email);
            assert_eq!(
                person.reminders,
                if reminded { 3 } else { 0 },
                "{}",
                person.email
            );
            assert!(person.last_invitation.is_some());
        }
        let round_mail =
            delphi_app::outbox::round_mail(&app, OPERATOR, "remind", 1).expect("state");
        let reminder_counts = round_mail
            .kinds
            .iter()
            .find(|k| k.kind == MailKind::Reminder)
            .expect("reminders counted");
        assert_eq!((reminder_counts.sent, reminder_counts.queued), (6, 12));
        assert!(round_mail.problems.is_empty());
    }
}
