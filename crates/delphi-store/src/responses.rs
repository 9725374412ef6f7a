//! Responses: one per (round, item, panellist), saved as the panellist goes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::schema::{participations, responses};
use crate::DbConnection;

/// A row of `responses`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    /// Round.
    pub round_id: String,
    /// Item (the exact words seen).
    pub item_id: String,
    /// Panellist.
    pub panellist_id: String,
    /// The rating, if any.
    pub rating: Option<i32>,
    /// "Unable to rate".
    pub unable_to_rate: bool,
    /// Optional comment (untrusted text).
    pub comment: Option<String>,
    /// Reason given for a rating far from the panel median.
    pub reason: Option<String>,
    /// Last saved.
    pub updated_at: NaiveDateTime,
}

/// Inserts or replaces a response (autosave), and records the save's time on its
/// participation (`last_saved_at`: the round monitor's "last activity", and "started" once
/// set) in the same transaction.
pub fn upsert(conn: &mut DbConnection, row: &ResponseRow) -> QueryResult<()> {
    crate::with_conn!(conn, |c| diesel::insert_into(responses::table)
        .values(row)
        .on_conflict((
            responses::round_id,
            responses::item_id,
            responses::panellist_id
        ))
        .do_update()
        .set((
            responses::rating.eq(excluded(responses::rating)),
            responses::unable_to_rate.eq(excluded(responses::unable_to_rate)),
            responses::comment.eq(excluded(responses::comment)),
            responses::reason.eq(excluded(responses::reason)),
            responses::updated_at.eq(excluded(responses::updated_at)),
        ))
        .execute(c)
        .map(drop))?;
    note_saved(conn, &row.round_id, &row.panellist_id, row.updated_at)
}

/// Records on the participation when the panellist last saved an answer in the round (one
/// update by primary key).
fn note_saved(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(participations::table.find((round_id, panellist_id)))
        .set(participations::last_saved_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// The items a panellist has rated or marked "unable to rate" in a round.
pub fn answered_items(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Vec<String>> {
    responses::table
        .filter(
            responses::round_id
                .eq(round_id)
                .and(responses::panellist_id.eq(panellist_id))
                .and(
                    responses::rating
                        .is_not_null()
                        .or(responses::unable_to_rate.eq(true)),
                ),
        )
        .select(responses::item_id)
        .load(conn)
}

/// Inserts many responses at once (imports, simulations, benchmarks), and brings the
/// participations of the rounds they belong to up to date.
pub fn insert_many(conn: &mut DbConnection, rows: &[ResponseRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::with_conn!(conn, |c| diesel::insert_into(responses::table)
            .values(chunk)
            .execute(c)
            .map(drop))?;
    }
    let mut rounds: Vec<&str> = rows.iter().map(|r| r.round_id.as_str()).collect();
    rounds.sort_unstable();
    rounds.dedup();
    for round_id in rounds {
        refresh_round_activity(conn, round_id)?;
    }
    Ok(())
}

/// Recomputes `last_saved_at` of every participation of a round from its answers (after a
/// bulk insert; the migration that added the column does the same for every round).
fn refresh_round_activity(conn: &mut DbConnection, round_id: &str) -> QueryResult<()> {
    diesel::update(participations::table.filter(participations::round_id.eq(round_id)))
        .set(
            participations::last_saved_at.eq(responses::table
                .filter(
                    responses::round_id
                        .eq(participations::round_id)
                        .and(responses::panellist_id.eq(participations::panellist_id)),
                )
                .select(diesel::dsl::max(responses::updated_at))
                .single_value()
                .assume_not_null()
                .nullable()),
        )
        .execute(conn)
        .map(drop)
}

/// A panellist's responses in a round.
pub fn for_panellist(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Vec<ResponseRow>> {
    responses::table
        .filter(
            responses::round_id
                .eq(round_id)
                .and(responses::panellist_id.eq(panellist_id)),
        )
        .select(ResponseRow::as_select())
        .load(conn)
}

/// Every response of a round.
pub fn for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<ResponseRow>> {
    responses::table
        .filter(responses::round_id.eq(round_id))
        .select(ResponseRow::as_select())
        .load(conn)
}

/// (item id, panellist id, rating, unable to rate): what statistics need of a response.
pub type RatingRecord = (String, String, Option<i32>, bool);

/// The rating records of a round.
pub fn ratings_for_round(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<RatingRecord>> {
    responses::table
        .filter(responses::round_id.eq(round_id))
        .select((
            responses::item_id,
            responses::panellist_id,
            responses::rating,
            responses::unable_to_rate,
        ))
        .load(conn)
}

/// Deletes every answer of a panellist, and the moderation of their comments (an erasure
/// request whose consent text says answers go too); their participations no longer show any
/// activity. Returns how many answers.
pub fn delete_for_panellist(conn: &mut DbConnection, panellist_id: &str) -> QueryResult<usize> {
    use crate::schema::comment_reviews;
    diesel::delete(comment_reviews::table.filter(comment_reviews::panellist_id.eq(panellist_id)))
        .execute(conn)?;
    let deleted = diesel::delete(responses::table.filter(responses::panellist_id.eq(panellist_id)))
        .execute(conn)?;
    diesel::update(participations::table.filter(participations::panellist_id.eq(panellist_id)))
        .set(participations::last_saved_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(deleted)
}
