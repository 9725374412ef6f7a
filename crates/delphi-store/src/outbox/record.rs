//! Recording what became of a delivery attempt, and putting failed rows back in the queue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{FAILED, QUEUED, SENT};
use crate::schema::outbox;
use crate::{write_tx, DbConnection};

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
