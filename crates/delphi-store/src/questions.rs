//! The answers to the questions a study asks besides its items: round 1's open question
//! (`open_answers`, one per round, panellist and section) and the background questionnaire
//! (`background_answers`, one per panellist and question).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{background_answers, open_answers, panellists};
use crate::DbConnection;

/// A row of `open_answers`: a panellist's suggestion for a section of a round.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = open_answers)]
pub struct OpenAnswerRow {
    /// Round.
    pub round_id: String,
    /// Panellist.
    pub panellist_id: String,
    /// The section it was written for (`""`: the question asked once for the round).
    pub section: String,
    /// What the panellist wrote (untrusted text, cleaned).
    pub text: String,
    /// Last saved.
    pub updated_at: NaiveDateTime,
}

/// A row of `background_answers`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = background_answers)]
pub struct BackgroundAnswerRow {
    /// Panellist.
    pub panellist_id: String,
    /// The question's id in the study's settings.
    pub question_id: String,
    /// The answer as stored by `delphi_core::questions`; `None`: "prefer not to say".
    pub answer: Option<String>,
    /// When.
    pub answered_at: NaiveDateTime,
}

/// Stores a panellist's suggestion for a section, replacing the earlier one; an empty text
/// removes it.
pub fn put_open(conn: &mut DbConnection, row: &OpenAnswerRow) -> QueryResult<()> {
    diesel::delete(open_answers::table.find((&row.round_id, &row.panellist_id, &row.section)))
        .execute(conn)?;
    if row.text.is_empty() {
        return Ok(());
    }
    diesel::insert_into(open_answers::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// A panellist's suggestions in a round.
pub fn open_for_panellist(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Vec<OpenAnswerRow>> {
    open_answers::table
        .filter(open_answers::round_id.eq(round_id))
        .filter(open_answers::panellist_id.eq(panellist_id))
        .order(open_answers::section)
        .select(OpenAnswerRow::as_select())
        .load(conn)
}

/// Every suggestion of a round, by section then panellist.
pub fn open_for_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<OpenAnswerRow>> {
    open_answers::table
        .filter(open_answers::round_id.eq(round_id))
        .order((open_answers::section, open_answers::panellist_id))
        .select(OpenAnswerRow::as_select())
        .load(conn)
}

/// Replaces a panellist's background answers with `rows` (one per question).
pub fn put_background(
    conn: &mut DbConnection,
    panellist_id: &str,
    rows: &[BackgroundAnswerRow],
) -> QueryResult<()> {
    diesel::delete(
        background_answers::table.filter(background_answers::panellist_id.eq(panellist_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(background_answers::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// A panellist's background answers (none before the questionnaire was answered or skipped).
pub fn background_of(
    conn: &mut DbConnection,
    panellist_id: &str,
) -> QueryResult<Vec<BackgroundAnswerRow>> {
    background_answers::table
        .filter(background_answers::panellist_id.eq(panellist_id))
        .order(background_answers::question_id)
        .select(BackgroundAnswerRow::as_select())
        .load(conn)
}

/// Every background answer of a study's panel.
pub fn background_for_study(
    conn: &mut DbConnection,
    study_id: &str,
) -> QueryResult<Vec<BackgroundAnswerRow>> {
    background_answers::table
        .inner_join(panellists::table.on(panellists::id.eq(background_answers::panellist_id)))
        .filter(panellists::study_id.eq(study_id))
        .order((
            background_answers::panellist_id,
            background_answers::question_id,
        ))
        .select(BackgroundAnswerRow::as_select())
        .load(conn)
}

/// Deletes a panellist's suggestions and background answers (an erasure that removes the
/// answers); how many rows went.
pub fn delete_for_panellist(conn: &mut DbConnection, panellist_id: &str) -> QueryResult<usize> {
    let open =
        diesel::delete(open_answers::table.filter(open_answers::panellist_id.eq(panellist_id)))
            .execute(conn)?;
    let background = diesel::delete(
        background_answers::table.filter(background_answers::panellist_id.eq(panellist_id)),
    )
    .execute(conn)?;
    Ok(open + background)
}
