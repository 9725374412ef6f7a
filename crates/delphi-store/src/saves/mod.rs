//! The autosave's statements: what a save needs to know, read in one statement, and the
//! save itself, written in one statement that re-checks the round and the panellist first.
//!
//! When a round opens, thousands of panellists save an answer a second, so this is the one
//! path where statements are counted. Built from the query builder it took eight statements
//! to check and five to write (savepoints included), and three of the write's (a `FOR SHARE`
//! select, an upsert and an update) are of kinds diesel never keeps prepared, so PostgreSQL
//! parsed and planned each of them on every save: under load its processes spent most of
//! their time parsing, planning and answering round trips. Each statement here has fixed
//! text ([`crate::fixed`]), which diesel prepares once per connection.

mod many;

pub use many::{save_many, PendingSave, MAX_ROWS};

use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::fixed::{Bind, Fixed};
use crate::responses::ResponseRow;
use crate::rounds::{self, WriteCheck};
use crate::{damaged, with_conn, DbConnection};
use delphi_core::lifecycle::{RoundStatus, StudyStatus};

/// The upsert's conflict clause, the same on both backends (a macro, so that fixed
/// statements can `concat!` it).
macro_rules! upsert_set {
    () => {
        " ON CONFLICT (round_id, item_id, panellist_id) DO UPDATE SET \
         rating = excluded.rating, unable_to_rate = excluded.unable_to_rate, \
         comment = excluded.comment, reason = excluded.reason, updated_at = excluded.updated_at"
    };
}
use upsert_set;

/// What a save needs to know about a link: the panellist, their study, the study's latest
/// round and whether they are invited to it.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveTarget {
    /// The panellist.
    pub panellist_id: String,
    /// Their study.
    pub study_id: String,
    /// The link was revoked.
    pub token_revoked: bool,
    /// The panellist withdrew.
    pub withdrawn: bool,
    /// The panellist has consented.
    pub consented: bool,
    /// The study's status.
    pub study_status: StudyStatus,
    /// The study's settings (JSON).
    pub settings: String,
    /// The study's latest round (id, status), if it has one.
    pub round: Option<(String, RoundStatus)>,
    /// The panellist is invited to that round.
    pub participating: bool,
}

/// [`SaveTarget`] as read, states as stored text.
#[derive(QueryableByName)]
struct TargetRow {
    #[diesel(sql_type = Text)]
    panellist_id: String,
    #[diesel(sql_type = Text)]
    study_id: String,
    #[diesel(sql_type = Bool)]
    token_revoked: bool,
    #[diesel(sql_type = Bool)]
    withdrawn: bool,
    #[diesel(sql_type = Bool)]
    consented: bool,
    #[diesel(sql_type = Text)]
    study_status: String,
    #[diesel(sql_type = Text)]
    settings: String,
    #[diesel(sql_type = Nullable<Text>)]
    round_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    round_status: Option<String>,
    #[diesel(sql_type = Bool)]
    participating: bool,
}

/// Reads what a save by the holder of the link hashed `token_hash` needs to know, in one
/// statement; `None` when no panellist has that link.
pub fn target(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<SaveTarget>> {
    let query = Fixed::new(
        "SELECT p.id AS panellist_id, p.study_id AS study_id, \
         p.token_revoked_at IS NOT NULL AS token_revoked, \
         p.withdrawn_at IS NOT NULL AS withdrawn, p.consented_at IS NOT NULL AS consented, \
         s.status AS study_status, s.settings AS settings, \
         r.id AS round_id, r.status AS round_status, \
         pa.panellist_id IS NOT NULL AS participating \
         FROM panellists p JOIN studies s ON s.id = p.study_id \
         LEFT JOIN rounds r ON r.study_id = p.study_id AND r.number = \
         (SELECT MAX(latest.number) FROM rounds latest WHERE latest.study_id = p.study_id) \
         LEFT JOIN participations pa ON pa.round_id = r.id AND pa.panellist_id = p.id \
         WHERE p.token_hash = ?",
        vec![Bind::Text(token_hash)],
    );
    let Some(row) = with_conn!(conn, |c| query.get_result::<TargetRow>(c).optional())? else {
        return Ok(None);
    };
    let round = match (row.round_id, row.round_status) {
        (Some(id), Some(status)) => Some((id, RoundStatus::parse(&status).map_err(damaged)?)),
        _ => None,
    };
    Ok(Some(SaveTarget {
        panellist_id: row.panellist_id,
        study_id: row.study_id,
        token_revoked: row.token_revoked,
        withdrawn: row.withdrawn,
        consented: row.consented,
        study_status: StudyStatus::parse(&row.study_status).map_err(damaged)?,
        settings: row.settings,
        round,
        participating: row.participating,
    }))
}

/// How far behind a save its participation's activity (`last_saved_at`, the round
/// monitor's "last activity") may be: a save moves it only when it is older than this, so a
/// panellist rating one item after another updates their participation once a minute, not
/// at every click (each update is a row version PostgreSQL must write and later prune).
pub const ACTIVITY_STEP: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// What became of a [`save`] (or a submission, [`crate::submissions::submit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The answer (or submission) is stored (durable once the caller's transaction commits).
    Stored,
    /// The link is not the panellist's live link (revoked, reissued), or the panellist is
    /// not invited to the round.
    UnknownLink,
    /// The panellist has withdrawn.
    Withdrawn,
    /// The round is not open (it closed meanwhile).
    RoundNotOpen,
}

/// Stores `row` (insert or replace) and notes the time on its participation (to
/// [`ACTIVITY_STEP`]), only if its round is open, its panellist has not withdrawn and
/// `link_hash` is their live link. On PostgreSQL it is [`save_many`] of one save, which locks
/// the round's row `FOR SHARE` first, as [`rounds::write_check`] does, so a close waits for
/// the saves that saw the round open; on SQLite (one writer at a time gives the same order)
/// it is the guarded insert and the update, with the state read again only to explain a
/// refusal.
pub fn save(
    conn: &mut DbConnection,
    row: &ResponseRow,
    link_hash: &str,
) -> QueryResult<SaveOutcome> {
    let DbConnection::Sqlite(c) = conn else {
        return save_many(conn, &[(row, link_hash)])?
            .pop()
            .ok_or_else(|| crate::batched::broken("the save got no outcome"));
    };
    let guarded_upsert = Fixed::new(
        concat!(
            "INSERT INTO responses (round_id, item_id, panellist_id, rating, unable_to_rate, \
             comment, reason, updated_at) SELECT ?, ?, ?, ?, ?, ?, ?, ? \
             FROM participations pa JOIN panellists p ON p.id = pa.panellist_id \
             JOIN rounds r ON r.id = pa.round_id \
             WHERE pa.round_id = ? AND pa.panellist_id = ? AND p.token_hash = ? \
             AND r.status = ? AND p.token_revoked_at IS NULL AND p.withdrawn_at IS NULL",
            // The WHERE before ON CONFLICT also keeps SQLite from reading it as a join's.
            upsert_set!()
        ),
        vec![
            Bind::Text(&row.round_id),
            Bind::Text(&row.item_id),
            Bind::Text(&row.panellist_id),
            Bind::NullableInteger(row.rating),
            Bind::Bool(row.unable_to_rate),
            Bind::NullableText(row.comment.as_deref()),
            Bind::NullableText(row.reason.as_deref()),
            Bind::Timestamp(&row.updated_at),
            Bind::Text(&row.round_id),
            Bind::Text(&row.panellist_id),
            Bind::Text(link_hash),
            Bind::Text(RoundStatus::Open.as_str()),
        ],
    );
    if guarded_upsert.execute(c)? == 1 {
        let cutoff = row.updated_at - ACTIVITY_STEP;
        Fixed::new(
            "UPDATE participations SET last_saved_at = ? WHERE round_id = ? \
             AND panellist_id = ? AND (last_saved_at IS NULL OR last_saved_at < ?)",
            vec![
                Bind::Timestamp(&row.updated_at),
                Bind::Text(&row.round_id),
                Bind::Text(&row.panellist_id),
                Bind::Timestamp(&cutoff),
            ],
        )
        .execute(c)?;
        return Ok(SaveOutcome::Stored);
    }
    Ok(
        match outcome_of(rounds::write_check(conn, &row.round_id, &row.panellist_id)?) {
            // Everything allowed the write, yet nothing was written: the link was not the
            // panellist's live one (the check reads the participation without the link).
            SaveOutcome::Stored => SaveOutcome::UnknownLink,
            refused => refused,
        },
    )
}

/// What a save or a submission comes to that found `state` (`None`: no participation by
/// that live link).
pub(crate) fn outcome_of(state: Option<WriteCheck>) -> SaveOutcome {
    match state {
        None => SaveOutcome::UnknownLink,
        Some(s) if s.token_revoked => SaveOutcome::UnknownLink,
        Some(s) if s.withdrawn => SaveOutcome::Withdrawn,
        Some(s) if s.round_status != RoundStatus::Open => SaveOutcome::RoundNotOpen,
        Some(_) => SaveOutcome::Stored,
    }
}
