//! The email outbox: rows written in the transaction of the event that causes them, claimed
//! by delivery workers with a lease, then marked sent, retried later or failed.
//!
//! Life of a row: `queued` (attempts 0) -> claimed (`locked_until` in the future; another
//! worker skips it) -> `sent`, or back to `queued` with a later `next_attempt_at` and the
//! error, or `failed` after the last attempt. A `failed` row stays until someone retries it.
//! A worker that dies holding a claim loses it when the lease runs out, and the row is sent
//! by the next claim (with the same Message-ID, so a receiver can recognise a repeat).

use chrono::NaiveDateTime;
use delphi_core::states::{MailKind, OutboxStatus};
use diesel::prelude::*;

use crate::schema::outbox;
use crate::{with_conn, write_tx, DbConnection};

const QUEUED: &str = OutboxStatus::Queued.as_str();
const SENT: &str = OutboxStatus::Sent.as_str();
const FAILED: &str = OutboxStatus::Failed.as_str();

/// A row of `outbox`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    /// UUID; the Message-ID derives from it.
    pub id: String,
    /// Study.
    pub study_id: Option<String>,
    /// Round.
    pub round_id: Option<String>,
    /// Recipient panellist.
    pub panellist_id: Option<String>,
    /// What the message is.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: MailKind,
    /// Address.
    pub recipient: String,
    /// Template variables as JSON (never the link token).
    pub context: String,
    /// Unique key that makes a second enqueue of the same message a no-op.
    pub dedupe_key: Option<String>,
    /// Queued, sent or failed.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Not before.
    pub next_attempt_at: NaiveDateTime,
    /// Claimed by a worker until then.
    pub locked_until: Option<NaiveDateTime>,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// Queued.
    pub created_at: NaiveDateTime,
    /// Delivered.
    pub sent_at: Option<NaiveDateTime>,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxMessage {
    /// Study.
    pub study_id: Option<String>,
    /// Round.
    pub round_id: Option<String>,
    /// Recipient panellist.
    pub panellist_id: Option<String>,
    /// What the message is.
    pub kind: MailKind,
    /// Address.
    pub recipient: String,
    /// Template variables.
    pub context: serde_json::Value,
    /// Optional unique key (e.g. `reminder:{round}:{panellist}:manual-1`).
    pub dedupe_key: Option<String>,
}

impl NewOutboxMessage {
    fn to_row(&self, now: NaiveDateTime) -> OutboxRow {
        OutboxRow {
            id: uuid::Uuid::new_v4().to_string(),
            study_id: self.study_id.clone(),
            round_id: self.round_id.clone(),
            panellist_id: self.panellist_id.clone(),
            kind: self.kind,
            recipient: self.recipient.clone(),
            context: self.context.to_string(),
            dedupe_key: self.dedupe_key.clone(),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at: now,
            locked_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }
}

/// Queues a message, due now; returns false (and changes nothing) when a message with the
/// same dedupe key exists already, whatever its state. Call it inside the transaction of the
/// event that causes the message.
pub fn enqueue(
    conn: &mut DbConnection,
    message: &NewOutboxMessage,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = message.to_row(now);
    // ON CONFLICT DO NOTHING, not a lookup first: two concurrent enqueues of the same key on
    // PostgreSQL must not turn into a unique-violation error.
    let inserted = with_conn!(conn, |c| diesel::insert_into(outbox::table)
        .values(row.clone())
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Queues many messages; returns how many were new (see [`enqueue`]).
pub fn enqueue_many(
    conn: &mut DbConnection,
    messages: &[NewOutboxMessage],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut added = 0;
    for message in messages {
        added += usize::from(enqueue(conn, message, now)?);
    }
    Ok(added)
}

/// One row by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Claims up to `limit` due rows for `lease` (no other worker claims them until
/// `now + lease`) and returns them, oldest due first. Its own short write transaction:
/// PostgreSQL selects with `FOR UPDATE SKIP LOCKED` so concurrent workers take disjoint rows;
/// SQLite runs one `UPDATE ... RETURNING` under `BEGIN IMMEDIATE`.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: chrono::Duration,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let until = now + lease;
    write_tx(conn, |conn| {
        let due = outbox::table
            .filter(outbox::status.eq(QUEUED))
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.le(now)),
            )
            .order((outbox::next_attempt_at, outbox::created_at))
            .limit(limit)
            .select(outbox::id);
        let ids: Vec<String> = match conn {
            // Concurrent workers skip each other's rows instead of waiting for them.
            DbConnection::Pg(c) => due.for_update().skip_locked().load(c)?,
            // BEGIN IMMEDIATE already keeps every other writer out.
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<OutboxRow> = with_conn!(conn, |c| diesel::update(
            outbox::table.filter(outbox::id.eq_any(&ids))
        )
        .set(outbox::locked_until.eq(until))
        .returning(OutboxRow::as_returning())
        .get_results(c))?;
        rows.sort_by_key(|r| (r.next_attempt_at, r.created_at));
        Ok(rows)
    })
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the transport at this time.
    Sent {
        /// When.
        at: NaiveDateTime,
    },
    /// Failed; try again not before `next_attempt_at`.
    Retry {
        /// Not before.
        next_attempt_at: NaiveDateTime,
        /// What went wrong.
        error: String,
    },
    /// Failed for the last time (or cannot succeed): keep it, visible, until retried.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// Records one attempt's outcome on a claimed, still queued row (counts the attempt and
/// releases the claim). Returns false when the row is no longer queued (e.g. a researcher
/// retried or another worker finished it).
pub fn record(conn: &mut DbConnection, id: &str, outcome: &Outcome) -> QueryResult<bool> {
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq(QUEUED));
    let changed = match outcome {
        Outcome::Sent { at } => diesel::update(target)
            .set((
                outbox::status.eq(SENT),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::sent_at.eq(Some(*at)),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Outcome::Retry {
            next_attempt_at,
            error,
        } => diesel::update(target)
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::next_attempt_at.eq(*next_attempt_at),
                outbox::last_error.eq(Some(error)),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Outcome::Failed { error } => diesel::update(target)
            .set((
                outbox::status.eq(FAILED),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(Some(error)),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Records many outcomes in one write transaction (a worker's batch).
pub fn record_all(conn: &mut DbConnection, outcomes: &[(String, Outcome)]) -> QueryResult<usize> {
    write_tx(conn, |conn| {
        let mut changed = 0;
        for (id, outcome) in outcomes {
            changed += usize::from(record(conn, id, outcome)?);
        }
        Ok(changed)
    })
}

/// Marks a claimed row sent.
pub fn mark_sent(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    record(conn, id, &Outcome::Sent { at })
}

/// Schedules another attempt of a claimed row, keeping the error.
pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<bool> {
    record(
        conn,
        id,
        &Outcome::Retry {
            next_attempt_at,
            error: error.to_owned(),
        },
    )
}

/// Marks a claimed row failed with its last error.
pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str) -> QueryResult<bool> {
    record(
        conn,
        id,
        &Outcome::Failed {
            error: error.to_owned(),
        },
    )
}

/// Puts one failed row back in the queue, due now, with a fresh count of attempts (the last
/// error stays until it is sent or fails again). Returns false when the row is not failed.
pub fn retry_failed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(FAILED)),
    )
    .set((
        outbox::status.eq(QUEUED),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Puts every failed row of a round back in the queue (see [`retry_failed`]); returns how
/// many.
pub fn retry_failed_in_round(
    conn: &mut DbConnection,
    round_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::round_id.eq(round_id))
            .filter(outbox::status.eq(FAILED)),
    )
    .set((
        outbox::status.eq(QUEUED),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// When the next queued row becomes claimable (its due time or the end of its lease), if any
/// row is queued: lets a worker sleep exactly as long as it can.
pub fn next_due(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    let rows: Vec<(NaiveDateTime, Option<NaiveDateTime>)> = outbox::table
        .filter(outbox::status.eq(QUEUED))
        .order(outbox::next_attempt_at)
        .select((outbox::next_attempt_at, outbox::locked_until))
        .limit(1000)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(due, lock)| lock.map_or(due, |lock| lock.max(due)))
        .min())
}

/// A round's messages, oldest first.
pub fn for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::round_id.eq(round_id))
        .order((outbox::created_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// How many messages of each kind and status a round has: `(kind, status, count)`.
pub fn counts_for_round(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<(MailKind, OutboxStatus, i64)>> {
    let rows: Vec<(String, String, i64)> = outbox::table
        .filter(outbox::round_id.eq(round_id))
        .group_by((outbox::kind, outbox::status))
        .select((outbox::kind, outbox::status, diesel::dsl::count_star()))
        .order((outbox::kind, outbox::status))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, status, n)| {
            Ok((
                MailKind::parse(&kind).map_err(crate::damaged)?,
                OutboxStatus::parse(&status).map_err(crate::damaged)?,
                n,
            ))
        })
        .collect()
}

/// A round's messages that have a problem: failed, or queued after a failed attempt.
pub fn problems_for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::round_id.eq(round_id))
        .filter(
            outbox::status.eq(FAILED).or(outbox::status
                .eq(QUEUED)
                .and(outbox::last_error.is_not_null())),
        )
        .order((outbox::created_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// One panellist's messages, newest first.
pub fn for_panellist(conn: &mut DbConnection, panellist_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::panellist_id.eq(panellist_id))
        .order((outbox::created_at.desc(), outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// The slim facts about one message the per-panellist overview needs.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct MessageFact {
    /// Panellist.
    pub panellist_id: Option<String>,
    /// Round.
    pub round_id: Option<String>,
    /// Kind.
    #[diesel(deserialize_as = String)]
    pub kind: MailKind,
    /// Status.
    #[diesel(deserialize_as = String)]
    pub status: OutboxStatus,
    /// Queued.
    pub created_at: NaiveDateTime,
    /// Delivered.
    pub sent_at: Option<NaiveDateTime>,
    /// Last error.
    pub last_error: Option<String>,
}

/// The facts of every message of a study, oldest first (for "last invitation, last reminder"
/// per panellist).
pub fn facts_for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<MessageFact>> {
    outbox::table
        .filter(outbox::study_id.eq(study_id))
        .order((outbox::created_at, outbox::id))
        .select((
            outbox::panellist_id,
            outbox::round_id,
            outbox::kind,
            outbox::status,
            outbox::created_at,
            outbox::sent_at,
            outbox::last_error,
        ))
        .load(conn)
}

/// Forgets a panellist's address in their messages (an erasure request): every row's
/// recipient becomes `placeholder`, delivery errors (which often quote the address) are
/// cleared, and messages not yet sent are failed so nothing more goes. Returns how many rows.
pub fn erase_recipient(
    conn: &mut DbConnection,
    panellist_id: &str,
    placeholder: &str,
) -> QueryResult<usize> {
    let mine = outbox::table.filter(outbox::panellist_id.eq(panellist_id));
    diesel::update(mine.filter(outbox::status.eq(QUEUED)))
        .set(outbox::status.eq(FAILED))
        .execute(conn)?;
    diesel::update(mine)
        .set((
            outbox::recipient.eq(placeholder),
            outbox::last_error.eq(Some("erased at the panellist's request")),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Whether a message with this dedupe key exists.
pub fn exists_with_key(conn: &mut DbConnection, dedupe_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table.filter(outbox::dedupe_key.eq(dedupe_key)),
    ))
    .get_result(conn)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::Duration;

    use super::*;
    use crate::testing::TestDb;

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
                                let rows =
                                    claim_due(&mut conn, now, Duration::minutes(5), 7).unwrap();
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
}
