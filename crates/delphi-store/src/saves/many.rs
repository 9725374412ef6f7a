//! Many saves in one statement: what the PostgreSQL writer runs for the saves of a batch.
//!
//! Each save alone is one prepared statement (see the parent module), but PostgreSQL still
//! starts an executor, a lock and a round trip for each. A batch's saves are as many rows of
//! one statement: the same check, the same `FOR SHARE` on their rounds, one upsert and one
//! activity update for all, and a row back per save saying what it found.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};

use super::{SaveOutcome, ACTIVITY_STEP};
use crate::batched::{self, FoundRow};
use crate::responses::ResponseRow;
use crate::DbConnection;
use delphi_core::lifecycle::RoundStatus;

/// Saves most written by one statement (10 binds a row).
pub const MAX_ROWS: usize = batched::MAX_ROWS;

/// One save waiting: the answer and the stored hash of the link it came by.
pub type PendingSave<'a> = (&'a ResponseRow, &'a str);

/// Runs `saves` on PostgreSQL in statements of up to [`MAX_ROWS`] rows and returns each
/// one's outcome, in order, as [`super::save`] one after another would. Two saves of the same
/// answer in one batch (an upsert may touch a row once per statement) go in statements one
/// after the other, in their order.
pub fn save_many(
    conn: &mut DbConnection,
    saves: &[PendingSave<'_>],
) -> QueryResult<Vec<SaveOutcome>> {
    let DbConnection::Pg(pg) = conn else {
        return saves
            .iter()
            .map(|(row, link)| super::save(conn, row, link))
            .collect();
    };
    batched::in_turns(
        pg,
        saves,
        |(row, _)| key(row),
        |pg, rows| (SaveMany { rows }).load::<FoundRow>(pg),
    )
}

fn key(row: &ResponseRow) -> (&str, &str, &str) {
    (&row.round_id, &row.item_id, &row.panellist_id)
}

/// The statement for some saves, each numbered by its place in the batch.
struct SaveMany<'a> {
    rows: &'a [(i32, &'a PendingSave<'a>)],
}

impl QueryFragment<Pg> for SaveMany<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH input (n, round_id, item_id, panellist_id, rating, unable_to_rate, comment, \
             reason, updated_at, link_hash) AS (VALUES ",
        );
        for (i, (n, &(row, link))) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Integer, _>(n)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.round_id.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.item_id.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.panellist_id.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Integer>, _>(&row.rating)?;
            out.push_sql(", ");
            out.push_bind_param::<Bool, _>(&row.unable_to_rate)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.comment)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.reason)?;
            out.push_sql(", ");
            out.push_bind_param::<Timestamp, _>(&row.updated_at)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(link)?;
            out.push_sql(")");
        }
        // `target`: each save's participation by its live link, its round locked as the
        // single save locks it; `stored`: those that may write; `noted`: the activity of each
        // participation written, when stale (ACTIVITY_STEP, 60 s, is the interval below).
        out.push_sql("), target AS (SELECT i.*, ");
        out.push_sql(batched::TARGET_CHECKS);
        out.push_sql(
            ", \
             stored AS (INSERT INTO responses (round_id, item_id, panellist_id, rating, \
             unable_to_rate, comment, reason, updated_at) SELECT round_id, item_id, \
             panellist_id, rating, unable_to_rate, comment, reason, updated_at FROM target \
             WHERE round_status = ",
        );
        out.push_bind_param::<Text, _>(RoundStatus::Open.as_str())?;
        out.push_sql(" AND NOT token_revoked AND NOT withdrawn");
        out.push_sql(super::upsert_set!());
        out.push_sql(
            " RETURNING round_id, panellist_id, updated_at), \
             noted AS (UPDATE participations pa SET last_saved_at = latest.at \
             FROM (SELECT round_id, panellist_id, max(updated_at) AS at FROM stored \
             GROUP BY round_id, panellist_id) latest \
             WHERE pa.round_id = latest.round_id AND pa.panellist_id = latest.panellist_id \
             AND (pa.last_saved_at IS NULL OR pa.last_saved_at < latest.at - interval '60 seconds') \
             RETURNING 1 AS one)",
        );
        out.push_sql(batched::FOUND);
        Ok(())
    }
}

batched::untyped_statement!(SaveMany);

/// The interval written in the statement is [`ACTIVITY_STEP`].
const _: () = assert!(ACTIVITY_STEP.num_seconds() == 60);

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::fixtures::OPEN_ROUND;
    use crate::testing::TestDb;

    fn answer(item: &str, panellist: &str, rating: i32, minute: u32) -> ResponseRow {
        ResponseRow {
            round_id: "r".into(),
            item_id: item.into(),
            panellist_id: panellist.into(),
            rating: Some(rating),
            unable_to_rate: false,
            comment: None,
            reason: None,
            updated_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
                .and_then(|d| d.and_hms_opt(9, minute, 0))
                .unwrap(),
        }
    }

    #[test]
    fn a_batch_of_saves_gets_each_its_own_outcome_as_if_one_after_another() {
        for db in TestDb::all() {
            let mut conn = db.pool.get().unwrap();
            conn.batch_execute(OPEN_ROUND).unwrap();
            let rows = [
                answer("i1", "p1", 3, 1),
                answer("i2", "p1", 4, 1),
                answer("i1", "p2", 5, 1), // withdrawn
                answer("i1", "p3", 6, 1), // not invited
                answer("i2", "p1", 2, 1), // by a link that is not p1's
                answer("i1", "p1", 8, 2), // the same answer again, later
            ];
            let links = ["h1", "h1", "h2", "h3", "h2", "h1"];
            let pending: Vec<PendingSave<'_>> = rows.iter().zip(links).collect();
            let outcomes = save_many(&mut conn, &pending).unwrap();
            use SaveOutcome::*;
            assert_eq!(
                outcomes,
                vec![Stored, Stored, Withdrawn, UnknownLink, UnknownLink, Stored],
                "{}",
                db.label
            );
            let mut stored: Vec<(String, String, Option<i32>)> =
                crate::responses::for_round(&mut conn, "r")
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.panellist_id, r.item_id, r.rating))
                    .collect();
            stored.sort();
            assert_eq!(
                stored,
                vec![
                    ("p1".into(), "i1".into(), Some(8)),
                    ("p1".into(), "i2".into(), Some(4)),
                ],
                "{}",
                db.label
            );
            let activity = crate::rounds::participation(&mut conn, "r", "p1")
                .unwrap()
                .unwrap()
                .last_saved_at;
            assert!(activity.is_some(), "{}", db.label);
            assert_eq!(
                crate::integrity_problems(&mut conn).unwrap(),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn a_queued_save_is_told_its_outcome_once_committed_and_stays_saved_if_nobody_waits() {
        for db in TestDb::all() {
            db.pool.get().unwrap().batch_execute(OPEN_ROUND).unwrap();
            let queued = [
                (answer("i1", "p1", 3, 1), "h1"),
                (answer("i1", "p2", 5, 1), "h2"), // withdrawn
                (answer("i2", "p1", 2, 1), "h2"), // by a link that is not p1's
            ]
            .map(|(row, link)| db.pool.queue_save(row, link.to_owned()).unwrap());
            let outcomes: Vec<SaveOutcome> = queued
                .into_iter()
                .map(|c| crate::testing::wait(c).unwrap())
                .collect();
            use SaveOutcome::*;
            assert_eq!(
                outcomes,
                vec![Stored, Withdrawn, UnknownLink],
                "{}",
                db.label
            );
            // A caller that goes away (its request cancelled) does not take the save back. On
            // PostgreSQL two writers commit side by side, so a later save can be answered
            // first: the dropped one is looked for until it lands (or 5 s have gone).
            drop(
                db.pool
                    .queue_save(answer("i2", "p1", 7, 2), "h1".to_owned())
                    .unwrap(),
            );
            let later = db
                .pool
                .save(answer("i1", "p1", 4, 2), "h1".to_owned())
                .unwrap();
            assert_eq!(later, Stored, "{}", db.label);
            let mut conn = db.pool.get().unwrap();
            let mut stored: Vec<(String, Option<i32>)> = Vec::new();
            for _ in 0..500 {
                stored = crate::responses::for_round(&mut conn, "r")
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.item_id, r.rating))
                    .collect();
                stored.sort();
                if stored.len() == 2 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            assert_eq!(
                stored,
                vec![("i1".into(), Some(4)), ("i2".into(), Some(7))],
                "{}",
                db.label
            );
        }
    }
}
