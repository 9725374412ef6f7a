//! Claiming due rows with a lease: concurrent workers, in one process or many, take disjoint rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{OutboxRow, QUEUED};
use crate::schema::outbox;
use crate::{with_conn, write_tx, DbConnection};

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
