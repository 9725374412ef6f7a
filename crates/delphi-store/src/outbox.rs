//! The email outbox: rows written in the transaction of the event that causes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::outbox;
use crate::DbConnection;

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
    /// Template kind: `invitation`, `round_opened`, `reminder`, `thank_you`, `withdrawal`.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Template variables as JSON (never the link token).
    pub context: String,
    /// Unique key that makes a second enqueue of the same message a no-op.
    pub dedupe_key: Option<String>,
    /// `queued`, `sent` or `failed`.
    pub status: String,
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
    /// Template kind.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Template variables.
    pub context: serde_json::Value,
    /// Optional unique key (e.g. `reminder:{round}:{panellist}:manual-1`).
    pub dedupe_key: Option<String>,
}

/// Queues a message; returns false when one with the same dedupe key exists already.
pub fn enqueue(
    conn: &mut DbConnection,
    message: &NewOutboxMessage,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if let Some(key) = &message.dedupe_key {
        let exists: i64 = outbox::table
            .filter(outbox::dedupe_key.eq(key))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Ok(false);
        }
    }
    let row = OutboxRow {
        id: uuid::Uuid::new_v4().to_string(),
        study_id: message.study_id.clone(),
        round_id: message.round_id.clone(),
        panellist_id: message.panellist_id.clone(),
        kind: message.kind.clone(),
        recipient: message.recipient.clone(),
        context: message.context.to_string(),
        dedupe_key: message.dedupe_key.clone(),
        status: "queued".to_owned(),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
    };
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)
        .map(|_| true)
}

/// A round's messages of one kind.
pub fn for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::round_id.eq(round_id))
        .order(outbox::created_at)
        .select(OutboxRow::as_select())
        .load(conn)
}
