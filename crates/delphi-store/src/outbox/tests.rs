//! The outbox's tests, on SQLite and PostgreSQL.

use std::collections::HashSet;

use chrono::Duration;

use super::*;
use crate::testing::TestDb;
use crate::write_tx;

fn message(recipient: &str, key: Option<&str>) -> NewOutboxMessage {
    NewOutboxMessage {
        study_id: None,
        round_id: None,
        panellist_id: None,
        kind: MailKind::Invitation,
        recipient: recipient.to_owned(),
        context: serde_json::json!({"study_title": "T"}),
        dedupe_key: key.map(str::to_owned),
    }
}

#[test]
fn a_dedupe_key_is_queued_once() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        let now = crate::now();
        assert!(enqueue(&mut conn, &message("a@x.org", Some("k1")), now).unwrap());
        assert!(!enqueue(&mut conn, &message("b@x.org", Some("k1")), now).unwrap());
        assert!(enqueue(&mut conn, &message("c@x.org", None), now).unwrap());
        assert!(enqueue(&mut conn, &message("c@x.org", None), now).unwrap());
        let rows = claim_due(&mut conn, now, Duration::minutes(5), 100).unwrap();
        let mut recipients: Vec<_> = rows.iter().map(|r| r.recipient.as_str()).collect();
        recipients.sort_unstable();
        assert_eq!(
            recipients,
            ["a@x.org", "c@x.org", "c@x.org"],
            "{}",
            db.label
        );
        assert!(exists_with_key(&mut conn, "k1").unwrap());
        assert!(!exists_with_key(&mut conn, "k2").unwrap());
    }
}

#[test]
fn claims_hold_a_lease_and_respect_due_times_and_limits() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        let now = crate::now();
        for i in 0..5 {
            enqueue(&mut conn, &message(&format!("{i}@x.org"), None), now).unwrap();
        }
        let later = now + Duration::hours(1);
        enqueue(&mut conn, &message("later@x.org", None), later).unwrap();
        let lease = Duration::minutes(5);
        let first = claim_due(&mut conn, now, lease, 3).unwrap();
        assert_eq!(first.len(), 3, "{}", db.label);
        assert!(first.iter().all(|r| r.locked_until == Some(now + lease)));
        let second = claim_due(&mut conn, now, lease, 10).unwrap();
        assert_eq!(second.len(), 2, "only the unclaimed due rows: {}", db.label);
        assert!(claim_due(&mut conn, now, lease, 10).unwrap().is_empty());
        assert_eq!(next_due(&mut conn).unwrap(), Some(now + lease));
        // A worker that died: its claims come back when the lease runs out.
        let expired = claim_due(&mut conn, now + lease, lease, 10).unwrap();
        assert_eq!(expired.len(), 5, "{}", db.label);
        let at_later = claim_due(&mut conn, later + lease, lease, 10).unwrap();
        assert_eq!(at_later.len(), 6, "{}", db.label);
    }
}

#[test]
fn outcomes_move_rows_through_their_states() {
    for db in TestDb::all() {
        let mut conn = db.pool.get().unwrap();
        let now = crate::now();
        for who in ["sent", "retry", "failed"] {
            enqueue(&mut conn, &message(&format!("{who}@x.org"), Some(who)), now).unwrap();
        }
        let rows = claim_due(&mut conn, now, Duration::minutes(5), 10).unwrap();
        let id = |who: &str| {
            rows.iter()
                .find(|r| r.recipient.starts_with(who))
                .unwrap()
                .id
                .clone()
        };
        let retry_at = now + Duration::seconds(30);
        let outcomes = vec![
            (id("sent"), Outcome::Sent { at: now }),
            (
                id("retry"),
                Outcome::Retry {
                    next_attempt_at: retry_at,
                    error: "connection refused".into(),
                },
            ),
            (
                id("failed"),
                Outcome::Failed {
                    error: "mailbox unavailable".into(),
                },
            ),
        ];
        assert_eq!(record_all(&mut conn, &outcomes).unwrap(), 3);
        let sent = find(&mut conn, &id("sent")).unwrap().unwrap();
        assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 1));
        assert_eq!(sent.sent_at, Some(now));
        let retry = find(&mut conn, &id("retry")).unwrap().unwrap();
        assert_eq!((retry.status, retry.attempts), (OutboxStatus::Queued, 1));
        assert_eq!(retry.next_attempt_at, retry_at);
        assert_eq!(retry.locked_until, None);
        assert_eq!(retry.last_error.as_deref(), Some("connection refused"));
        let failed = find(&mut conn, &id("failed")).unwrap().unwrap();
        assert_eq!(failed.status, OutboxStatus::Failed);
        assert_eq!(failed.last_error.as_deref(), Some("mailbox unavailable"));
        // Marking a row that is no longer queued changes nothing.
        assert!(!mark_sent(&mut conn, &id("failed"), now).unwrap());
        assert!(claim_due(&mut conn, now, Duration::minutes(5), 10)
            .unwrap()
            .is_empty());
        let again = claim_due(&mut conn, retry_at, Duration::minutes(5), 10).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].id, id("retry"));
        // A researcher retries the failed one: due now, attempts start again.
        assert!(retry_failed(&mut conn, &id("failed"), retry_at).unwrap());
        assert!(!retry_failed(&mut conn, &id("failed"), retry_at).unwrap());
        let failed = find(&mut conn, &id("failed")).unwrap().unwrap();
        assert_eq!((failed.status, failed.attempts), (OutboxStatus::Queued, 0));
    }
}

#[test]
fn concurrent_workers_claim_disjoint_rows() {
    for db in TestDb::all() {
        let now = crate::now();
        {
            let mut conn = db.pool.get().unwrap();
            let batch: Vec<_> = (0..400)
                .map(|i| message(&format!("{i}@x.org"), Some(&format!("k{i}"))))
                .collect();
            write_tx(&mut conn, |c| enqueue_many(c, &batch, now)).unwrap();
        }
        let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let pool = db.pool.clone();
                    s.spawn(move || {
                        let mut conn = pool.get().unwrap();
                        let mut mine = Vec::new();
                        loop {
                            let rows = claim_due(&mut conn, now, Duration::minutes(5), 7).unwrap();
                            if rows.is_empty() {
                                break mine;
                            }
                            mine.extend(rows.into_iter().map(|r| r.id));
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let all: Vec<&String> = claimed.iter().flatten().collect();
        let distinct: HashSet<&String> = all.iter().copied().collect();
        assert_eq!(all.len(), 400, "{}", db.label);
        assert_eq!(distinct.len(), 400, "no row claimed twice: {}", db.label);
    }
}
