//! The researcher's changes to the next round's proposal (`plan_changes`): one row per item
//! of the round being planned, kept after it opens as the record of each decision.

use chrono::NaiveDateTime;
use delphi_core::states::PlanChangeKind;
use diesel::prelude::*;

use crate::schema::plan_changes;
use crate::DbConnection;

/// A row of `plan_changes`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_changes)]
pub struct PlanChangeRow {
    /// Study.
    pub study_id: String,
    /// The round being planned.
    pub round_number: i32,
    /// The item changed (for an added item, its new code).
    pub item_code: String,
    /// What the change is.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: PlanChangeKind,
    /// The new item's code (reword).
    pub new_code: Option<String>,
    /// The new item's section (add).
    pub section: Option<String>,
    /// The new words (reword, add).
    pub text: Option<String>,
    /// Why (shown to the panel for rewordings and additions; in the ledger for drops).
    pub reason: String,
    /// The comment an added item came from: its round...
    pub source_round_id: Option<String>,
    /// ... its item ...
    pub source_item_id: Option<String>,
    /// ... and who wrote it (never shown; the pseudonym is looked up when needed).
    pub source_panellist_id: Option<String>,
    /// Who decided (the audit label).
    pub decided_by: String,
    /// When.
    pub decided_at: NaiveDateTime,
    /// For an item added from a suggestion (an open answer of `source_round_id` by
    /// `source_panellist_id`): the section it was written for (`""`: the whole round).
    pub source_section: Option<String>,
}

/// The changes to round `round_number` of a study, in the order they were made.
pub fn for_round(
    conn: &mut DbConnection,
    study_id: &str,
    round_number: i32,
) -> QueryResult<Vec<PlanChangeRow>> {
    plan_changes::table
        .filter(plan_changes::study_id.eq(study_id))
        .filter(plan_changes::round_number.eq(round_number))
        .order((plan_changes::decided_at, plan_changes::item_code))
        .select(PlanChangeRow::as_select())
        .load(conn)
}

/// Records a change, replacing an earlier change of the same item.
pub fn put(conn: &mut DbConnection, row: &PlanChangeRow) -> QueryResult<()> {
    remove(conn, &row.study_id, row.round_number, &row.item_code)?;
    diesel::insert_into(plan_changes::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Removes the change of one item; whether there was one.
pub fn remove(
    conn: &mut DbConnection,
    study_id: &str,
    round_number: i32,
    item_code: &str,
) -> QueryResult<bool> {
    diesel::delete(plan_changes::table.find((study_id, round_number, item_code)))
        .execute(conn)
        .map(|n| n > 0)
}
