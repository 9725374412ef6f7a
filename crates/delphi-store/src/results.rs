//! Stored round results: computed once when a round closes, never recomputed silently.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{comment_reviews, results};
use crate::DbConnection;

/// The group code of whole-panel results.
pub const ALL_GROUPS: &str = "ALL";

/// A row of `results`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = results)]
pub struct ResultRow {
    /// Round.
    pub round_id: String,
    /// Item.
    pub item_id: String,
    /// `ALL` or a stakeholder group code.
    pub group_code: String,
    /// Numeric ratings.
    pub n_valid: i32,
    /// "Unable to rate" answers.
    pub n_utr: i32,
    /// `in`, `out`, `none`, `not_classified` (whole panel only).
    pub classification: Option<String>,
    /// The statistics (and classification details) as JSON.
    pub stats: String,
    /// When computed.
    pub computed_at: NaiveDateTime,
}

/// A row of `comment_reviews`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_reviews)]
pub struct CommentReviewRow {
    /// Round.
    pub round_id: String,
    /// Item.
    pub item_id: String,
    /// Who wrote it (never shown).
    pub panellist_id: String,
    /// `released` or `hidden`.
    pub decision: String,
    /// The text shown, if the researcher edited it (e.g. to remove a name).
    pub shown_text: Option<String>,
    /// Researcher who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: NaiveDateTime,
}

/// Stores results (a batch per round).
pub fn insert_many(conn: &mut DbConnection, rows: &[ResultRow]) -> QueryResult<()> {
    for chunk in rows.chunks(200) {
        crate::with_conn!(conn, |c| diesel::insert_into(results::table)
            .values(chunk)
            .execute(c)
            .map(drop))?;
    }
    Ok(())
}

/// All results of a round.
pub fn for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<ResultRow>> {
    results::table
        .filter(results::round_id.eq(round_id))
        .order((results::item_id, results::group_code))
        .select(ResultRow::as_select())
        .load(conn)
}

/// Records a moderation decision (replacing an earlier one).
pub fn review_comment(conn: &mut DbConnection, row: &CommentReviewRow) -> QueryResult<()> {
    diesel::delete(comment_reviews::table.find((&row.round_id, &row.item_id, &row.panellist_id)))
        .execute(conn)?;
    diesel::insert_into(comment_reviews::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Moderation decisions of a round.
pub fn comment_reviews(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<CommentReviewRow>> {
    comment_reviews::table
        .filter(comment_reviews::round_id.eq(round_id))
        .select(CommentReviewRow::as_select())
        .load(conn)
}
