//! Items: never edited in place once rated; rewording makes a new item.

use chrono::NaiveDateTime;
use delphi_core::states::{ItemOrigin, ItemStatus};
use diesel::prelude::*;

use crate::schema::{items, responses};
use crate::DbConnection;

/// A row of `items`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    /// UUID.
    pub id: String,
    /// Study.
    pub study_id: String,
    /// Code, unique in the study.
    pub code: String,
    /// The exact words panellists rate.
    pub text: String,
    /// Section heading.
    pub section: String,
    /// Seeded, added or reworded.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub origin: ItemOrigin,
    /// Round in which it was added or reworded.
    pub origin_round: Option<i32>,
    /// The item it rewords.
    pub replaces_id: Option<String>,
    /// Why it was added or reworded.
    pub change_note: Option<String>,
    /// Active, retired, replaced or dropped.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ItemStatus,
    /// Added.
    pub created_at: NaiveDateTime,
    /// Why it left the study (dropped or retired), for the item ledger.
    pub status_reason: Option<String>,
}

/// Inserts items.
pub fn insert_many(conn: &mut DbConnection, rows: &[ItemRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(items::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// An item by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ItemRow>> {
    items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// An item by study and code.
pub fn find_by_code(
    conn: &mut DbConnection,
    study_id: &str,
    code: &str,
) -> QueryResult<Option<ItemRow>> {
    items::table
        .filter(items::study_id.eq(study_id).and(items::code.eq(code)))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// All items of a study (every status), in creation order.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<ItemRow>> {
    items::table
        .filter(items::study_id.eq(study_id))
        .order((items::created_at, items::code))
        .select(ItemRow::as_select())
        .load(conn)
}

/// Sets an item's status.
pub fn set_status(conn: &mut DbConnection, id: &str, status: ItemStatus) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::status.eq(status.as_str()))
        .execute(conn)
        .map(drop)
}

/// Changes an item's words (callers check first that nobody has rated it).
pub fn set_text(conn: &mut DbConnection, id: &str, text: &str) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::text.eq(text))
        .execute(conn)
        .map(drop)
}

/// How many responses an item has, in any round.
pub fn response_count(conn: &mut DbConnection, id: &str) -> QueryResult<i64> {
    responses::table
        .filter(responses::item_id.eq(id))
        .count()
        .get_result(conn)
}

/// Records why an item left the study (dropped or retired).
pub fn set_status_reason(conn: &mut DbConnection, id: &str, reason: &str) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::status_reason.eq(reason))
        .execute(conn)
        .map(drop)
}
