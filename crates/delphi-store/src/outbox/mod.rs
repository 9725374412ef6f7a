//! The email outbox: rows written in the transaction of the event that causes them, claimed
//! by delivery workers with a lease, then marked sent, retried later or failed.
//!
//! Life of a row: `queued` (attempts 0) -> claimed (`locked_until` in the future; another
//! worker skips it) -> `sent`, or back to `queued` with a later `next_attempt_at` and the
//! error, or `failed` after the last attempt. A `failed` row stays until someone retries it.
//! A worker that dies holding a claim loses it when the lease runs out, and the row is sent
//! by the next claim (with the same Message-ID, so a receiver can recognise a repeat).

mod claim;
mod record;
#[cfg(test)]
mod tests;

pub use claim::{claim_due, next_due};
pub use record::{
    mark_failed, mark_retry, mark_sent, record, record_all, retry_failed, retry_failed_in_round,
    Outcome,
};

use chrono::NaiveDateTime;
use delphi_core::states::{MailKind, OutboxStatus};
use diesel::prelude::*;

use crate::schema::outbox;
use crate::{with_conn, DbConnection};

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
    // PostgreSQL must not turn into a unique-violation error. Fixed text, so kept prepared
    // (a submission queues its thank-you in the same transaction).
    use crate::fixed::{Bind, Fixed};
    let statement = Fixed::new(
        "INSERT INTO outbox (id, study_id, round_id, panellist_id, kind, recipient, context, \
         dedupe_key, status, attempts, next_attempt_at, locked_until, last_error, created_at, \
         sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL) \
         ON CONFLICT (dedupe_key) DO NOTHING",
        vec![
            Bind::Text(&row.id),
            Bind::NullableText(row.study_id.as_deref()),
            Bind::NullableText(row.round_id.as_deref()),
            Bind::NullableText(row.panellist_id.as_deref()),
            Bind::Text(row.kind.as_str()),
            Bind::Text(&row.recipient),
            Bind::Text(&row.context),
            Bind::NullableText(row.dedupe_key.as_deref()),
            Bind::Text(row.status.as_str()),
            Bind::Integer(row.attempts),
            Bind::Timestamp(&row.next_attempt_at),
            Bind::Timestamp(&row.created_at),
        ],
    );
    let inserted = with_conn!(conn, |c| statement.execute(c))?;
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

/// The messages to one address, oldest first (account emails have no panellist).
pub fn for_recipient(conn: &mut DbConnection, recipient: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
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
