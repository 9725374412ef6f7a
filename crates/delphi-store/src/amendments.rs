//! Amendments: changes to a locked protocol, with the reason, kept for the report.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::amendments;
use crate::DbConnection;

/// A row of `amendments`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = amendments)]
pub struct AmendmentRow {
    /// UUID.
    pub id: String,
    /// Study.
    pub study_id: String,
    /// When.
    pub made_at: NaiveDateTime,
    /// Who (`user:EMAIL`, `operator`).
    pub made_by: String,
    /// What changed, in words.
    pub summary: String,
    /// Why (never empty).
    pub reason: String,
    /// The settings JSON before.
    pub settings_before: String,
    /// The settings JSON after.
    pub settings_after: String,
}

/// Records an amendment.
pub fn insert(conn: &mut DbConnection, row: &AmendmentRow) -> QueryResult<()> {
    diesel::insert_into(amendments::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// A study's amendments, oldest first.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<AmendmentRow>> {
    amendments::table
        .filter(amendments::study_id.eq(study_id))
        .order((amendments::made_at, amendments::id))
        .select(AmendmentRow::as_select())
        .load(conn)
}
