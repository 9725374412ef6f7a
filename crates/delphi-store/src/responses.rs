//! Responses: one per (round, item, panellist), saved as the panellist goes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::schema::responses;
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

/// Inserts or replaces a response (autosave).
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
        .map(drop))
}

/// Inserts many responses at once (imports, simulations, benchmarks).
pub fn insert_many(conn: &mut DbConnection, rows: &[ResponseRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::with_conn!(conn, |c| diesel::insert_into(responses::table)
            .values(chunk)
            .execute(c)
            .map(drop))?;
    }
    Ok(())
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
/// request whose consent text says answers go too). Returns how many answers.
pub fn delete_for_panellist(conn: &mut DbConnection, panellist_id: &str) -> QueryResult<usize> {
    use crate::schema::comment_reviews;
    diesel::delete(comment_reviews::table.filter(comment_reviews::panellist_id.eq(panellist_id)))
        .execute(conn)?;
    diesel::delete(responses::table.filter(responses::panellist_id.eq(panellist_id))).execute(conn)
}

/// Per panellist of a round: their last saved answer and how many answers they saved (the
/// round monitor's "last activity" and "started").
pub fn activity_for_round(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<(String, Option<NaiveDateTime>, i64)>> {
    responses::table
        .filter(responses::round_id.eq(round_id))
        .group_by(responses::panellist_id)
        .select((
            responses::panellist_id,
            diesel::dsl::max(responses::updated_at),
            diesel::dsl::count_star(),
        ))
        .load(conn)
}
