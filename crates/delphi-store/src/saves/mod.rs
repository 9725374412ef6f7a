//! The autosave's statements: what a save needs to know, read in one statement, and the
//! save itself, written in one statement that re-checks the round and the panellist first.
//!
//! When a round opens, thousands of panellists save an answer a second, so this is the one
//! path where statements are counted. Built from the query builder it took eight statements
//! to check and five to write (savepoints included), and three of the write's (a `FOR SHARE`
//! select, an upsert and an update) are of kinds diesel never keeps prepared, so PostgreSQL
//! parsed and planned each of them on every save: under load its processes spent most of
//! their time parsing, planning and answering round trips. Each statement here has fixed
//! text, which diesel prepares once per connection (its cache key is that text).

mod many;

pub use many::{save_many, PendingSave, MAX_ROWS};

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp, Untyped};
use diesel::sqlite::Sqlite;

use crate::responses::ResponseRow;
use crate::rounds::{self, WriteCheck};
use crate::{damaged, with_conn, DbConnection};
use delphi_core::lifecycle::{RoundStatus, StudyStatus};

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
    let query = TargetQuery { token_hash };
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

/// What became of a [`save`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The answer is stored (durable once the caller's transaction commits).
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
/// [`ACTIVITY_STEP`]), only if its round is open, its panellist has not withdrawn and `link_hash` is their live link. On
/// PostgreSQL it is one statement that locks the round's row `FOR SHARE` first, as
/// [`rounds::write_check`] does, so a close waits for the saves that saw the round open; on
/// SQLite (one writer at a time gives the same order) it is the guarded insert and the
/// update, with the state read again only to explain a refusal.
pub fn save(
    conn: &mut DbConnection,
    row: &ResponseRow,
    link_hash: &str,
) -> QueryResult<SaveOutcome> {
    let cutoff = row.updated_at - ACTIVITY_STEP;
    let statement = SaveStatement {
        row,
        link_hash,
        cutoff,
    };
    let state = match conn {
        DbConnection::Pg(c) => match statement.get_result::<SavedRow>(c).optional()? {
            Some(found) if found.stored => return Ok(SaveOutcome::Stored),
            Some(found) => Some(WriteCheck {
                token_revoked: found.token_revoked,
                withdrawn: found.withdrawn,
                round_status: RoundStatus::parse(&found.round_status).map_err(damaged)?,
            }),
            None => None,
        },
        DbConnection::Sqlite(c) => {
            if statement.execute(c)? == 1 {
                NoteSaved { row, cutoff }.execute(c)?;
                return Ok(SaveOutcome::Stored);
            }
            rounds::write_check(conn, &row.round_id, &row.panellist_id)?
        }
    };
    Ok(match outcome_of(state) {
        // Everything allowed the write, yet nothing was written: the link was not the
        // panellist's live one (SQLite's check reads the participation without the link).
        SaveOutcome::Stored => SaveOutcome::UnknownLink,
        refused => refused,
    })
}

/// What a save comes to that found `state` (`None`: no participation by that live link).
fn outcome_of(state: Option<WriteCheck>) -> SaveOutcome {
    match state {
        None => SaveOutcome::UnknownLink,
        Some(s) if s.token_revoked => SaveOutcome::UnknownLink,
        Some(s) if s.withdrawn => SaveOutcome::Withdrawn,
        Some(s) if s.round_status != RoundStatus::Open => SaveOutcome::RoundNotOpen,
        Some(_) => SaveOutcome::Stored,
    }
}

#[derive(QueryableByName)]
struct SavedRow {
    #[diesel(sql_type = Text)]
    round_status: String,
    #[diesel(sql_type = Bool)]
    token_revoked: bool,
    #[diesel(sql_type = Bool)]
    withdrawn: bool,
    #[diesel(sql_type = Bool)]
    stored: bool,
}

/// The read of [`target`]. Its text is the same on both backends.
struct TargetQuery<'a> {
    token_hash: &'a str,
}

impl<DB> QueryFragment<DB> for TargetQuery<'_>
where
    DB: Backend + HasSqlType<Text>,
    str: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "SELECT p.id AS panellist_id, p.study_id AS study_id, \
             p.token_revoked_at IS NOT NULL AS token_revoked, \
             p.withdrawn_at IS NOT NULL AS withdrawn, \
             p.consented_at IS NOT NULL AS consented, \
             s.status AS study_status, s.settings AS settings, \
             r.id AS round_id, r.status AS round_status, \
             pa.panellist_id IS NOT NULL AS participating \
             FROM panellists p \
             JOIN studies s ON s.id = p.study_id \
             LEFT JOIN rounds r ON r.study_id = p.study_id AND r.number = \
             (SELECT MAX(latest.number) FROM rounds latest WHERE latest.study_id = p.study_id) \
             LEFT JOIN participations pa ON pa.round_id = r.id AND pa.panellist_id = p.id \
             WHERE p.token_hash = ",
        );
        out.push_bind_param::<Text, _>(self.token_hash)?;
        Ok(())
    }
}

/// The write of [`save`]: on PostgreSQL the whole save, on SQLite its guarded upsert.
struct SaveStatement<'a> {
    row: &'a ResponseRow,
    link_hash: &'a str,
    /// Activity older than this is brought up to the save's time.
    cutoff: NaiveDateTime,
}

impl SaveStatement<'_> {
    /// `INSERT INTO responses (...) SELECT <the row's values>` (the rest follows).
    fn push_insert<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend
            + HasSqlType<Text>
            + HasSqlType<Bool>
            + HasSqlType<Integer>
            + HasSqlType<Timestamp>,
        str: ToSql<Text, DB>,
        i32: ToSql<Integer, DB>,
        bool: ToSql<Bool, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        let row = self.row;
        out.push_sql(
            "INSERT INTO responses (round_id, item_id, panellist_id, rating, unable_to_rate, \
             comment, reason, updated_at) SELECT ",
        );
        out.push_bind_param::<Text, _>(row.round_id.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.item_id.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.panellist_id.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Integer>, _>(&row.rating)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&row.unable_to_rate)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.comment)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.reason)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&row.updated_at)?;
        Ok(())
    }

    /// `WHERE` the participation of the row's round and panellist (its alias `pa`), reached
    /// by the panellist's live link.
    fn push_participation<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend + HasSqlType<Text>,
        str: ToSql<Text, DB>,
    {
        out.push_sql(
            " FROM participations pa JOIN panellists p ON p.id = pa.panellist_id \
             JOIN rounds r ON r.id = pa.round_id WHERE pa.round_id = ",
        );
        out.push_bind_param::<Text, _>(self.row.round_id.as_str())?;
        out.push_sql(" AND pa.panellist_id = ");
        out.push_bind_param::<Text, _>(self.row.panellist_id.as_str())?;
        out.push_sql(" AND p.token_hash = ");
        out.push_bind_param::<Text, _>(self.link_hash)?;
        Ok(())
    }
}

/// The upsert's conflict clause, the same on both backends.
const ON_CONFLICT: &str = " ON CONFLICT (round_id, item_id, panellist_id) DO UPDATE SET \
     rating = excluded.rating, unable_to_rate = excluded.unable_to_rate, \
     comment = excluded.comment, reason = excluded.reason, updated_at = excluded.updated_at";

impl QueryFragment<Pg> for SaveStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // `target` locks the round's row; `stored` writes only if the check passed; `noted`
        // brings the activity up to date after `stored` (PostgreSQL runs every statement of
        // a WITH, read or not); the select reports the check and whether it was stored.
        out.push_sql(
            "WITH target AS (SELECT r.status AS round_status, \
             p.token_revoked_at IS NOT NULL AS token_revoked, \
             p.withdrawn_at IS NOT NULL AS withdrawn",
        );
        self.push_participation(&mut out)?;
        out.push_sql(" FOR SHARE OF r), stored AS (");
        self.push_insert(&mut out)?;
        out.push_sql(" FROM target WHERE target.round_status = ");
        out.push_bind_param::<Text, _>(RoundStatus::Open.as_str())?;
        out.push_sql(" AND NOT target.token_revoked AND NOT target.withdrawn");
        out.push_sql(ON_CONFLICT);
        out.push_sql(" RETURNING 1 AS one), noted AS (UPDATE participations SET last_saved_at = ");
        out.push_bind_param::<Timestamp, _>(&self.row.updated_at)?;
        out.push_sql(" WHERE round_id = ");
        out.push_bind_param::<Text, _>(self.row.round_id.as_str())?;
        out.push_sql(" AND panellist_id = ");
        out.push_bind_param::<Text, _>(self.row.panellist_id.as_str())?;
        push_activity_is_stale(&mut out, &self.cutoff)?;
        out.push_sql(
            " AND EXISTS (SELECT 1 FROM stored) RETURNING 1 AS one) \
             SELECT round_status, token_revoked, withdrawn, \
             EXISTS (SELECT 1 FROM stored) AS stored FROM target",
        );
        Ok(())
    }
}

impl QueryFragment<Sqlite> for SaveStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.push_insert(&mut out)?;
        self.push_participation(&mut out)?;
        // The WHERE before ON CONFLICT also keeps SQLite from reading the clause as a join's.
        out.push_sql(" AND r.status = ");
        out.push_bind_param::<Text, _>(RoundStatus::Open.as_str())?;
        out.push_sql(" AND p.token_revoked_at IS NULL AND p.withdrawn_at IS NULL");
        out.push_sql(ON_CONFLICT);
        Ok(())
    }
}

/// `last_saved_at` of the row's participation, when stale (SQLite's second statement of a
/// save).
struct NoteSaved<'a> {
    row: &'a ResponseRow,
    cutoff: NaiveDateTime,
}

impl QueryFragment<Sqlite> for NoteSaved<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("UPDATE participations SET last_saved_at = ");
        out.push_bind_param::<Timestamp, _>(&self.row.updated_at)?;
        out.push_sql(" WHERE round_id = ");
        out.push_bind_param::<Text, _>(self.row.round_id.as_str())?;
        out.push_sql(" AND panellist_id = ");
        out.push_bind_param::<Text, _>(self.row.panellist_id.as_str())?;
        push_activity_is_stale(&mut out, &self.cutoff)?;
        Ok(())
    }
}

/// `AND` the participation's activity is unset or older than `cutoff`.
fn push_activity_is_stale<'b, DB>(
    out: &mut AstPass<'_, 'b, DB>,
    cutoff: &'b NaiveDateTime,
) -> QueryResult<()>
where
    DB: Backend + HasSqlType<Timestamp>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    out.push_sql(" AND (last_saved_at IS NULL OR last_saved_at < ");
    out.push_bind_param::<Timestamp, _>(cutoff)?;
    out.push_sql(")");
    Ok(())
}

/// The statements above have fixed text, so each is prepared once per connection: a query
/// id of its own type (`'static`) keys diesel's statement cache.
macro_rules! fixed_text_statement {
    ($($name:ident),*) => {$(
        impl QueryId for $name<'_> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
        impl Query for $name<'_> {
            type SqlType = Untyped;
        }
        impl<Conn> RunQueryDsl<Conn> for $name<'_> {}
    )*};
}
fixed_text_statement!(TargetQuery, SaveStatement, NoteSaved);
