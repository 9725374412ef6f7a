use diesel::connection::SimpleConnection;

use super::*;
use crate::fixtures::OPEN_ROUND;
use crate::testing::TestDb;

fn submission(panellist: &str, link: &str, rated: i64) -> PendingSubmission {
    PendingSubmission::new("r", panellist, link, &serde_json::json!({ "rated": rated }))
}

/// (recipient, context) of every thank-you queued in round `r`.
fn thank_yous(conn: &mut DbConnection) -> Vec<(String, String)> {
    outbox::for_round(conn, "r")
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MailKind::ThankYou)
        .map(|m| (m.recipient, m.context))
        .collect()
}

fn submitted(conn: &mut DbConnection, panellist: &str) -> bool {
    rounds::participation(conn, "r", panellist)
        .unwrap()
        .is_some_and(|p| p.submitted_at.is_some())
}

#[test]
fn a_batch_of_submissions_gets_each_its_own_outcome_and_one_thank_you_each() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        conn.batch_execute(OPEN_ROUND).unwrap();
        let batch = [
            submission("p1", "h1", 2),
            submission("p2", "h2", 0), // withdrawn
            submission("p3", "h3", 0), // not invited
            submission("p1", "h2", 0), // by a link that is not p1's
            submission("p1", "h1", 2), // again: no second thank-you
        ];
        let pending: Vec<&PendingSubmission> = batch.iter().collect();
        let outcomes = submit_many(&mut conn, &pending).unwrap();
        use SaveOutcome::*;
        assert_eq!(
            outcomes,
            vec![Stored, Withdrawn, UnknownLink, UnknownLink, Stored],
            "{}",
            db.label
        );
        assert!(submitted(&mut conn, "p1"), "{}", db.label);
        assert!(!submitted(&mut conn, "p2"), "{}", db.label);
        assert_eq!(
            thank_yous(&mut conn),
            vec![("a@x.org".to_owned(), r#"{"rated":2}"#.to_owned())],
            "{}",
            db.label
        );
        assert_eq!(
            crate::integrity_problems(&mut conn).unwrap(),
            Vec::<String>::new()
        );
    }
}

#[test]
fn a_submission_to_a_closed_round_writes_nothing() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        conn.batch_execute(OPEN_ROUND).unwrap();
        conn.batch_execute("UPDATE rounds SET status = 'closed'")
            .unwrap();
        let outcome = submit(&mut conn, &submission("p1", "h1", 0)).unwrap();
        assert_eq!(outcome, SaveOutcome::RoundNotOpen, "{}", db.label);
        assert!(!submitted(&mut conn, "p1"), "{}", db.label);
        assert!(thank_yous(&mut conn).is_empty(), "{}", db.label);
    }
}

#[test]
fn through_the_pool_a_submission_is_written_by_the_group_commit() {
    for db in TestDb::all() {
        db.pool.get().unwrap().batch_execute(OPEN_ROUND).unwrap();
        let outcomes: Vec<SaveOutcome> = std::thread::scope(|s| {
            let handles: Vec<_> = [("p1", "h1"), ("p2", "h2"), ("p1", "h1")]
                .into_iter()
                .map(|(panellist, link)| {
                    let pool = db.pool.clone();
                    s.spawn(move || pool.submit(submission(panellist, link, 1)).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            outcomes,
            vec![
                SaveOutcome::Stored,
                SaveOutcome::Withdrawn,
                SaveOutcome::Stored
            ],
            "{}",
            db.label
        );
        let mut conn = db.pool.get().unwrap();
        assert_eq!(thank_yous(&mut conn).len(), 1, "{}", db.label);
    }
}

#[test]
fn the_facts_count_the_answered_items_only() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        conn.batch_execute(OPEN_ROUND).unwrap();
        conn.batch_execute(
            "INSERT INTO responses (round_id, item_id, panellist_id, rating, unable_to_rate,
                 comment, reason, updated_at) VALUES
             ('r', 'i1', 'p1', NULL, TRUE, NULL, NULL, '2026-01-02 00:00:00'),
             ('r', 'i2', 'p1', NULL, FALSE, 'a comment only', NULL, '2026-01-02 00:00:00'),
             ('r', 'i2', 'p2', 5, FALSE, NULL, NULL, '2026-01-02 00:00:00')",
        )
        .unwrap();
        let found = facts(&mut conn, "r", "p1").unwrap().unwrap();
        assert_eq!(
            (
                found.study_title.as_str(),
                found.round_number,
                found.answered
            ),
            ("S", 1, 1),
            "{}",
            db.label
        );
        assert_eq!(
            facts(&mut conn, "nope", "p1").unwrap(),
            None,
            "{}",
            db.label
        );
    }
}
