//! Items: never edited in place once rated; rewording makes a new item.

use chrono::NaiveDateTime;
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
    /// `seeded`, `added` or `reworded`.
    pub origin: String,
    /// Round in which it was added or reworded.
    pub origin_round: Option<i32>,
    /// The item it rewords.
    pub replaces_id: Option<String>,
    /// Why it was added or reworded.
    pub change_note: Option<String>,
    /// `active`, `retired`, `replaced` or `dropped`.
    pub status: String,
    /// Added.
    pub created_at: NaiveDateTime,
}

/// Inserts items.
pub fn insert_many(conn: &mut DbConnection, rows: &[ItemRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(items::table)
            .values(row)
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
pub fn set_status(conn: &mut DbConnection, id: &str, status: &str) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::status.eq(status))
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
