//! What the researcher sees of the email outbox: per round (queued, sent, failed with the
//! reason), per panellist (last invitation, last reminder), and the retry action.

use chrono::NaiveDateTime;
use delphi_store::outbox::{self, MessageFact};
use delphi_store::{panellists, rounds, write_tx};

use crate::{audit, App, AppError};

/// Counts of one kind of message in a round.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KindCounts {
    /// Kind, e.g. `invitation`.
    pub kind: String,
    /// Waiting (first attempt or a retry).
    pub queued: i64,
    /// Delivered.
    pub sent: i64,
    /// Failed for good (until retried).
    pub failed: i64,
}

/// A message with a problem, for the researcher to read and retry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageProblem {
    /// Outbox id (for the retry action).
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// The panellist's pseudonym, when the message is a panellist's.
    pub pseudonym: Option<String>,
    /// `queued` (will be retried) or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The last error.
    pub last_error: Option<String>,
    /// Next attempt (queued only).
    pub next_attempt_at: Option<NaiveDateTime>,
}

/// A round's mail at a glance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoundMail {
    /// Round.
    pub round_id: String,
    /// Counts per kind.
    pub kinds: Vec<KindCounts>,
    /// Failed messages, and queued ones that have failed before.
    pub problems: Vec<MessageProblem>,
}

/// The state of a round's outbox.
pub fn round_mail(app: &App, round_id: &str) -> Result<RoundMail, AppError> {
    let mut conn = app.conn()?;
    let round = rounds::find(&mut conn, round_id)?
        .ok_or_else(|| AppError::NotFound("no such round".to_owned()))?;
    let mut kinds: Vec<KindCounts> = Vec::new();
    for (kind, status, count) in outbox::counts_for_round(&mut conn, round_id)? {
        let entry = match kinds.iter_mut().find(|k| k.kind == kind) {
            Some(entry) => entry,
            None => {
                kinds.push(KindCounts {
                    kind: kind.clone(),
                    ..KindCounts::default()
                });
                kinds
                    .last_mut()
                    .ok_or_else(|| AppError::Internal("counts".into()))?
            }
        };
        match status.as_str() {
            outbox::QUEUED => entry.queued += count,
            outbox::SENT => entry.sent += count,
            _ => entry.failed += count,
        }
    }
    let pseudonyms: std::collections::HashMap<String, String> =
        panellists::for_study(&mut conn, &round.study_id)?
            .into_iter()
            .map(|p| (p.id, p.pseudonym))
            .collect();
    let problems = outbox::problems_for_round(&mut conn, round_id)?
        .into_iter()
        .map(|row| MessageProblem {
            pseudonym: row
                .panellist_id
                .as_ref()
                .and_then(|id| pseudonyms.get(id).cloned()),
            next_attempt_at: (row.status == outbox::QUEUED).then_some(row.next_attempt_at),
            id: row.id,
            kind: row.kind,
            recipient: row.recipient,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
        })
        .collect();
    Ok(RoundMail {
        round_id: round_id.to_owned(),
        kinds,
        problems,
    })
}

/// The latest message of one sort to a panellist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LastMessage {
    /// Kind.
    pub kind: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// Queued at.
    pub queued_at: NaiveDateTime,
    /// Delivered at.
    pub sent_at: Option<NaiveDateTime>,
    /// Last error, if any.
    pub last_error: Option<String>,
}

impl From<&MessageFact> for LastMessage {
    fn from(fact: &MessageFact) -> Self {
        Self {
            kind: fact.kind.clone(),
            status: fact.status.clone(),
            queued_at: fact.created_at,
            sent_at: fact.sent_at,
            last_error: fact.last_error.clone(),
        }
    }
}

/// One panellist's mail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PanellistMail {
    /// Panellist.
    pub panellist_id: String,
    /// Pseudonym.
    pub pseudonym: String,
    /// Address.
    pub email: String,
    /// Last invitation (round 1 invitation or a later round's).
    pub last_invitation: Option<LastMessage>,
    /// Last reminder.
    pub last_reminder: Option<LastMessage>,
    /// Reminders queued in all.
    pub reminders: usize,
}

/// Per panellist of a study: last invitation and last reminder, in pseudonym order.
pub fn panellist_mail(app: &App, study_id: &str) -> Result<Vec<PanellistMail>, AppError> {
    let mut conn = app.conn()?;
    crate::studies::load(&mut conn, study_id)?;
    let facts = outbox::facts_for_study(&mut conn, study_id)?;
    let people = panellists::for_study(&mut conn, study_id)?;
    Ok(people
        .into_iter()
        .map(|p| {
            let mine = || {
                facts
                    .iter()
                    .filter(|f| f.panellist_id.as_deref() == Some(p.id.as_str()))
            };
            // Facts come oldest first, so the last match is the latest.
            let last_invitation = mine()
                .rfind(|f| f.kind == "invitation" || f.kind == "round_opened")
                .map(LastMessage::from);
            let last_reminder = mine()
                .rfind(|f| f.kind == "reminder")
                .map(LastMessage::from);
            PanellistMail {
                reminders: mine().filter(|f| f.kind == "reminder").count(),
                panellist_id: p.id,
                pseudonym: p.pseudonym,
                email: p.email,
                last_invitation,
                last_reminder,
            }
        })
        .collect())
}

/// Retries one failed message of the study `study_id` now. A message of another study is
/// "no such message", so an id cannot reach beyond the study the caller may manage.
pub fn retry(app: &App, actor: &str, study_id: &str, outbox_id: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let row = outbox::find(conn, outbox_id)?
            .filter(|row| row.study_id.as_deref() == Some(study_id))
            .ok_or_else(|| {
                AppError::NotFound(format!("this study has no message with id `{outbox_id}`"))
            })?;
        if row.status != outbox::FAILED {
            return Err(AppError::Conflict(format!(
                "this message is {}; only failed messages can be retried",
                row.status
            )));
        }
        outbox::retry_failed(conn, outbox_id, delphi_store::now())?;
        if let Some(study_id) = &row.study_id {
            audit::record(
                conn,
                study_id,
                actor,
                "email.retried",
                serde_json::json!({"outbox_id": outbox_id, "kind": row.kind}),
            )?;
        }
        Ok(())
    })
}

/// Retries every failed message of a round of the study `study_id` now; returns how many.
pub fn retry_round(
    app: &App,
    actor: &str,
    study_id: &str,
    round_id: &str,
) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let round = rounds::find(conn, round_id)?
            .filter(|round| round.study_id == study_id)
            .ok_or_else(|| AppError::NotFound("this study has no such round".to_owned()))?;
        let n = outbox::retry_failed_in_round(conn, round_id, delphi_store::now())?;
        if n > 0 {
            audit::record(
                conn,
                &round.study_id,
                actor,
                "email.retried",
                serde_json::json!({"round": round.number, "messages": n}),
            )?;
        }
        Ok(n)
    })
}
