//! Stored round results: computed once when a round closes, never recomputed silently.

use chrono::NaiveDateTime;
use delphi_core::states::{CommentDecision, Verdict};
use delphi_core::StoredResult;
use diesel::prelude::*;

use crate::schema::{comment_reviews, items, results, rounds};
use crate::DbConnection;

/// The group code of whole-panel results.
pub const ALL_GROUPS: &str = delphi_core::results::WHOLE_PANEL;

/// One stored result: a round × item × group (`ALL` for the whole panel).
#[derive(Debug, Clone, PartialEq)]
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
    /// The classification's code (whole panel only).
    pub classification: Option<Verdict>,
    /// The statistics and how they were classified.
    pub result: StoredResult,
    /// When computed.
    pub computed_at: NaiveDateTime,
}

/// A row of `results` as the table holds it (the result as JSON text).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = results)]
struct StoredRow {
    round_id: String,
    item_id: String,
    group_code: String,
    n_valid: i32,
    n_utr: i32,
    classification: Option<String>,
    stats: String,
    computed_at: NaiveDateTime,
}

/// A stored result that does not parse: the round, item and group named.
#[derive(Debug, thiserror::Error)]
#[error("the stored result of round {round}, item {item}, group {group} does not parse: {reason}")]
pub struct DamagedResult {
    /// Round number (or id when the round is gone).
    pub round: String,
    /// Item code (or id when the item is gone).
    pub item: String,
    /// Group code.
    pub group: String,
    /// What is wrong.
    pub reason: String,
}

impl StoredRow {
    fn from_result(row: &ResultRow) -> QueryResult<Self> {
        Ok(Self {
            round_id: row.round_id.clone(),
            item_id: row.item_id.clone(),
            group_code: row.group_code.clone(),
            n_valid: row.n_valid,
            n_utr: row.n_utr,
            classification: row.classification.map(String::from),
            stats: serde_json::to_string(&row.result)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
            computed_at: row.computed_at,
        })
    }

    fn parse(self, conn: &mut DbConnection) -> QueryResult<ResultRow> {
        let parsed = serde_json::from_str::<StoredResult>(&self.stats)
            .map_err(|e| e.to_string())
            .and_then(|result| {
                let classification = self
                    .classification
                    .as_deref()
                    .map(Verdict::parse)
                    .transpose()
                    .map_err(|e| e.to_string())?;
                Ok((result, classification))
            });
        match parsed {
            Ok((result, classification)) => Ok(ResultRow {
                round_id: self.round_id,
                item_id: self.item_id,
                group_code: self.group_code,
                n_valid: self.n_valid,
                n_utr: self.n_utr,
                classification,
                result,
                computed_at: self.computed_at,
            }),
            Err(reason) => {
                let round: Option<i32> = rounds::table
                    .find(&self.round_id)
                    .select(rounds::number)
                    .first(conn)
                    .optional()?;
                let item: Option<String> = items::table
                    .find(&self.item_id)
                    .select(items::code)
                    .first(conn)
                    .optional()?;
                Err(crate::damaged(DamagedResult {
                    round: round.map_or(self.round_id, |n| n.to_string()),
                    item: item.unwrap_or(self.item_id),
                    group: self.group_code,
                    reason,
                }))
            }
        }
    }
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
    /// Released or hidden.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub decision: CommentDecision,
    /// The text shown, if the researcher edited it (e.g. to remove a name).
    pub shown_text: Option<String>,
    /// Researcher who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: NaiveDateTime,
}

/// Stores results (a batch per round).
pub fn insert_many(conn: &mut DbConnection, rows: &[ResultRow]) -> QueryResult<()> {
    let rows: Vec<StoredRow> = rows
        .iter()
        .map(StoredRow::from_result)
        .collect::<QueryResult<_>>()?;
    for chunk in rows.chunks(200) {
        crate::with_conn!(conn, |c| diesel::insert_into(results::table)
            .values(chunk)
            .execute(c)
            .map(drop))?;
    }
    Ok(())
}

/// All results of a round; a row that does not parse is an error naming its round, item
/// and group.
pub fn for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<ResultRow>> {
    let rows: Vec<StoredRow> = results::table
        .filter(results::round_id.eq(round_id))
        .order((results::item_id, results::group_code))
        .select(StoredRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|row| row.parse(conn)).collect()
}

/// Records a moderation decision (replacing an earlier one).
pub fn review_comment(conn: &mut DbConnection, row: &CommentReviewRow) -> QueryResult<()> {
    diesel::delete(comment_reviews::table.find((&row.round_id, &row.item_id, &row.panellist_id)))
        .execute(conn)?;
    diesel::insert_into(comment_reviews::table)
        .values(row.clone())
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
