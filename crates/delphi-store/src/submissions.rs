//! A panellist's submission: their participation marked submitted and the round's thank-you
//! queued to them, only if the round is still open, they have not withdrawn and the link it
//! came by is still theirs (re-checked by the write, as a save is).
//!
//! A panel works through a round at much the same pace, so submissions come in bursts: in
//! the load generator's run all 200 panellists submit within a tenth of a second. Written as
//! four statements each (the link, the check, the mark, the message), one burst kept a
//! PostgreSQL writer busy long enough for the saves queued behind it to miss their budget.
//! There a batch's submissions are one statement ([`submit_many`]), as its saves are
//! ([`crate::saves::save_many`]).

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use crate::batched::{self, FoundRow};
use crate::fixed::{Bind, Fixed};
use crate::outbox::{self, NewOutboxMessage};
use crate::rounds::{self, WriteCheck};
use crate::saves::{outcome_of, SaveOutcome};
use crate::{damaged, DbConnection};
use delphi_core::lifecycle::RoundStatus;
use delphi_core::states::{MailKind, OutboxStatus};

/// Submissions most written by one statement (8 binds a row).
pub const MAX_ROWS: usize = batched::MAX_ROWS;

/// A submission waiting to be written ([`PendingSubmission::new`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSubmission {
    /// The round.
    round_id: String,
    /// The panellist.
    panellist_id: String,
    /// The stored hash of the link it came by.
    link_hash: String,
    /// When it was made (the submission's time and the thank-you's).
    at: NaiveDateTime,
    /// The thank-you's template variables (JSON).
    thank_you: String,
    /// The thank-you's outbox id, should it be queued.
    message_id: String,
    /// One thank-you per panellist and round, however often they submit.
    dedupe_key: String,
}

impl PendingSubmission {
    /// A submission made now by the holder of the link hashed `link_hash`, whose thank-you
    /// gets `thank_you` as its template variables.
    pub fn new(
        round_id: &str,
        panellist_id: &str,
        link_hash: &str,
        thank_you: &serde_json::Value,
    ) -> Self {
        Self {
            round_id: round_id.to_owned(),
            panellist_id: panellist_id.to_owned(),
            link_hash: link_hash.to_owned(),
            at: crate::now(),
            thank_you: thank_you.to_string(),
            message_id: uuid::Uuid::new_v4().to_string(),
            dedupe_key: format!("thank_you:{round_id}:{panellist_id}"),
        }
    }
}

/// What a submission's thank-you and its answer are made from.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SubmissionFacts {
    /// The study's slug (to name it in an error about its settings).
    #[diesel(sql_type = Text)]
    pub study_slug: String,
    /// The study's title.
    #[diesel(sql_type = Text)]
    pub study_title: String,
    /// The study's time zone (IANA name).
    #[diesel(sql_type = Text)]
    pub time_zone: String,
    /// The study's settings (JSON).
    #[diesel(sql_type = Text)]
    pub settings: String,
    /// The round's number.
    #[diesel(sql_type = Integer)]
    pub round_number: i32,
    /// The round's deadline (UTC), if set.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub deadline: Option<NaiveDateTime>,
    /// How many of the round's items the panellist has rated or marked "unable to rate".
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
}

/// Reads, in one statement, what a submission by `panellist_id` to `round_id` needs besides
/// the write: the study's and round's facts for the thank-you, and how many items are
/// answered (a burst of submissions is a burst of these reads). `None` for no such round.
pub fn facts(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Option<SubmissionFacts>> {
    let query = Fixed::new(
        "SELECT s.slug AS study_slug, s.title AS study_title, s.time_zone AS time_zone, \
         s.settings AS settings, r.number AS round_number, r.deadline AS deadline, \
         (SELECT COUNT(*) FROM responses x WHERE x.round_id = r.id AND x.panellist_id = ? \
         AND (x.rating IS NOT NULL OR x.unable_to_rate)) AS answered \
         FROM rounds r JOIN studies s ON s.id = r.study_id WHERE r.id = ?",
        vec![Bind::Text(panellist_id), Bind::Text(round_id)],
    );
    crate::with_conn!(conn, |c| query.get_result::<SubmissionFacts>(c).optional())
}

/// Marks the submission and queues its thank-you (once per round), if the round is open,
/// the panellist has not withdrawn and the link is their live one; `Stored` once written
/// (durable when the caller's transaction commits). On PostgreSQL it is [`submit_many`] of
/// one, which locks the round's row `FOR SHARE` as a save does, so a close waits for it.
pub fn submit(conn: &mut DbConnection, submission: &PendingSubmission) -> QueryResult<SaveOutcome> {
    let DbConnection::Sqlite(c) = conn else {
        return submit_many(conn, &[submission])?
            .pop()
            .ok_or_else(|| batched::broken("the submission got no outcome"));
    };
    let found = Fixed::new(
        "SELECT p.token_revoked_at IS NOT NULL AS token_revoked, \
         p.withdrawn_at IS NOT NULL AS withdrawn, r.status AS round_status, \
         p.study_id AS study_id, p.email AS email \
         FROM participations pa \
         JOIN panellists p ON p.id = pa.panellist_id AND p.token_hash = ? \
         JOIN rounds r ON r.id = pa.round_id \
         WHERE pa.round_id = ? AND pa.panellist_id = ?",
        vec![
            Bind::Text(&submission.link_hash),
            Bind::Text(&submission.round_id),
            Bind::Text(&submission.panellist_id),
        ],
    )
    .get_result::<TargetRow>(c)
    .optional()?;
    let Some(found) = found else {
        return Ok(SaveOutcome::UnknownLink);
    };
    let outcome = outcome_of(Some(found.check()?));
    if outcome == SaveOutcome::Stored {
        let at = submission.at;
        rounds::mark_submitted(conn, &submission.round_id, &submission.panellist_id, at)?;
        let thank_you = NewOutboxMessage {
            study_id: Some(found.study_id),
            round_id: Some(submission.round_id.clone()),
            panellist_id: Some(submission.panellist_id.clone()),
            kind: MailKind::ThankYou,
            recipient: found.email,
            context: serde_json::from_str(&submission.thank_you).map_err(damaged)?,
            dedupe_key: Some(submission.dedupe_key.clone()),
        };
        outbox::enqueue(conn, &thank_you, at)?;
    }
    Ok(outcome)
}

/// What a submission's check found (SQLite's read; PostgreSQL's statement returns the same
/// first three).
#[derive(QueryableByName)]
struct TargetRow {
    #[diesel(sql_type = Bool)]
    token_revoked: bool,
    #[diesel(sql_type = Bool)]
    withdrawn: bool,
    #[diesel(sql_type = Text)]
    round_status: String,
    #[diesel(sql_type = Text)]
    study_id: String,
    #[diesel(sql_type = Text)]
    email: String,
}

impl TargetRow {
    fn check(&self) -> QueryResult<WriteCheck> {
        Ok(WriteCheck {
            token_revoked: self.token_revoked,
            withdrawn: self.withdrawn,
            round_status: RoundStatus::parse(&self.round_status).map_err(damaged)?,
        })
    }
}

/// Writes `submissions` on PostgreSQL in statements of up to [`MAX_ROWS`] rows and returns
/// each one's outcome, in order, as [`submit`] one after another would. Two submissions by
/// the same panellist in one batch go in statements one after the other (the second then
/// finds the first's thank-you queued and queues none).
pub fn submit_many(
    conn: &mut DbConnection,
    submissions: &[&PendingSubmission],
) -> QueryResult<Vec<SaveOutcome>> {
    let DbConnection::Pg(pg) = conn else {
        return submissions.iter().map(|s| submit(conn, s)).collect();
    };
    batched::in_turns(
        pg,
        submissions,
        |s| (&s.round_id, &s.panellist_id),
        |pg, rows| (SubmitMany { rows }).load::<FoundRow>(pg),
    )
}

/// The statement for some submissions, each numbered by its place in the batch.
struct SubmitMany<'a> {
    rows: &'a [(i32, &'a &'a PendingSubmission)],
}

impl QueryFragment<Pg> for SubmitMany<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH input (n, round_id, panellist_id, link_hash, at, message_id, context, \
             dedupe_key) AS (VALUES ",
        );
        for (i, (n, submission)) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Integer, _>(n)?;
            for text in [
                &submission.round_id,
                &submission.panellist_id,
                &submission.link_hash,
            ] {
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(text.as_str())?;
            }
            out.push_sql(", ");
            out.push_bind_param::<Timestamp, _>(&submission.at)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(submission.message_id.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(submission.thank_you.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(submission.dedupe_key.as_str())?;
            out.push_sql(")");
        }
        // `target`: each submission's participation by its live link, its round locked as
        // a save locks it; `marked` and `queued`: for those that may write, the time and the
        // thank-you (once per round: the dedupe key).
        out.push_sql("), target AS (SELECT i.*, p.study_id, p.email, ");
        out.push_sql(batched::TARGET_CHECKS);
        out.push_sql(
            ", \
             writable AS (SELECT * FROM target WHERE round_status = ",
        );
        out.push_bind_param::<Text, _>(RoundStatus::Open.as_str())?;
        out.push_sql(
            " AND NOT token_revoked AND NOT withdrawn), \
             marked AS (UPDATE participations pa SET submitted_at = w.at FROM writable w \
             WHERE pa.round_id = w.round_id AND pa.panellist_id = w.panellist_id \
             RETURNING 1 AS one), \
             queued AS (INSERT INTO outbox (id, study_id, round_id, panellist_id, kind, \
             recipient, context, dedupe_key, status, attempts, next_attempt_at, locked_until, \
             last_error, created_at, sent_at) SELECT message_id, study_id, round_id, \
             panellist_id, ",
        );
        out.push_bind_param::<Text, _>(MailKind::ThankYou.as_str())?;
        out.push_sql(", email, context, dedupe_key, ");
        out.push_bind_param::<Text, _>(OutboxStatus::Queued.as_str())?;
        out.push_sql(
            ", 0, at, NULL, NULL, at, NULL FROM writable ON CONFLICT (dedupe_key) DO NOTHING \
             RETURNING 1 AS one)",
        );
        out.push_sql(batched::FOUND);
        Ok(())
    }
}

batched::untyped_statement!(SubmitMany);

#[cfg(test)]
mod tests;
