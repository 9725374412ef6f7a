//! What the researcher sees of the email outbox: per round (queued, sent, failed with the
//! reason), per panellist (last invitation, last reminder), and the retry action.

use chrono::NaiveDateTime;
use delphi_core::states::{MailKind, OutboxStatus};
use delphi_store::outbox::{self, MessageFact};
use delphi_store::{panellists, read_tx, rounds, studies, write_tx, DbConnection};

use crate::access::{self, Actor, Grant, Permission};
use crate::{audit, App, AppError};

/// Counts of one kind of message in a round.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KindCounts {
    /// Kind.
    pub kind: MailKind,
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
    pub kind: MailKind,
    /// Address (empty for callers who may not see contacts).
    pub recipient: String,
    /// The panellist's pseudonym, when the message is a panellist's.
    pub pseudonym: Option<String>,
    /// Queued (will be retried) or failed.
    pub status: OutboxStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// The last error (for callers who may not see contacts, only that it failed: a delivery
    /// error often names the address).
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

/// What a reader who may not see contacts reads instead of a delivery error.
pub const ERROR_WITHHELD: &str = "delivery failed (the details are shown to researchers only)";

/// The state of round `number`'s outbox in the study `slug`.
pub fn round_mail(
    app: &App,
    actor: &Actor,
    slug: &str,
    number: i32,
) -> Result<RoundMail, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let round = round_numbered(conn, &study, number)?;
        round_mail_in(conn, &grant, &round)
    })
}

/// Round `number` of a study, or "not found".
pub(crate) fn round_numbered(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    number: i32,
) -> Result<rounds::RoundRow, AppError> {
    rounds::for_study(conn, &study.id)?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or_else(|| AppError::NotFound(format!("this study has no round {number}")))
}

/// A round's outbox, with addresses and errors only for callers who may see contacts.
pub(crate) fn round_mail_in(
    conn: &mut DbConnection,
    grant: &Grant,
    round: &rounds::RoundRow,
) -> Result<RoundMail, AppError> {
    let mut kinds: Vec<KindCounts> = Vec::new();
    for (kind, status, count) in outbox::counts_for_round(conn, &round.id)? {
        let index = match kinds.iter().position(|k| k.kind == kind) {
            Some(index) => index,
            None => {
                kinds.push(KindCounts {
                    kind,
                    queued: 0,
                    sent: 0,
                    failed: 0,
                });
                kinds.len() - 1
            }
        };
        let entry = &mut kinds[index];
        match status {
            OutboxStatus::Queued => entry.queued += count,
            OutboxStatus::Sent => entry.sent += count,
            OutboxStatus::Failed => entry.failed += count,
        }
    }
    let pseudonyms: std::collections::HashMap<String, String> =
        panellists::for_study(conn, &round.study_id)?
            .into_iter()
            .map(|p| (p.id, p.pseudonym))
            .collect();
    let contacts = grant.sees_contacts();
    let problems = outbox::problems_for_round(conn, &round.id)?
        .into_iter()
        .map(|row| MessageProblem {
            pseudonym: row
                .panellist_id
                .as_ref()
                .and_then(|id| pseudonyms.get(id).cloned()),
            next_attempt_at: (row.status == OutboxStatus::Queued).then_some(row.next_attempt_at),
            id: row.id,
            kind: row.kind,
            recipient: if contacts {
                row.recipient
            } else {
                String::new()
            },
            status: row.status,
            attempts: row.attempts,
            last_error: if contacts {
                row.last_error
            } else {
                row.last_error.map(|_| ERROR_WITHHELD.to_owned())
            },
        })
        .collect();
    Ok(RoundMail {
        round_id: round.id.clone(),
        kinds,
        problems,
    })
}

/// The latest message of one sort to a panellist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LastMessage {
    /// Kind.
    pub kind: MailKind,
    /// Queued, sent or failed.
    pub status: OutboxStatus,
    /// Queued at.
    pub queued_at: NaiveDateTime,
    /// Delivered at.
    pub sent_at: Option<NaiveDateTime>,
    /// Last error, if any.
    pub last_error: Option<String>,
}

impl LastMessage {
    fn of(fact: &MessageFact, contacts: bool) -> Self {
        Self {
            kind: fact.kind,
            status: fact.status,
            queued_at: fact.created_at,
            sent_at: fact.sent_at,
            last_error: match &fact.last_error {
                Some(error) if contacts => Some(error.clone()),
                Some(_) => Some(ERROR_WITHHELD.to_owned()),
                None => None,
            },
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
    /// Address (empty for callers who may not see contacts).
    pub email: String,
    /// Last invitation (round 1 invitation or a later round's).
    pub last_invitation: Option<LastMessage>,
    /// Last reminder.
    pub last_reminder: Option<LastMessage>,
    /// Reminders queued in all.
    pub reminders: usize,
}

/// Per panellist of the study `slug`: last invitation and last reminder, in pseudonym
/// order (addresses only for callers who may see contacts).
pub fn panellist_mail(
    app: &App,
    actor: &Actor,
    slug: &str,
) -> Result<Vec<PanellistMail>, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        panellist_mail_in(conn, &grant, &study.id)
    })
}

/// [`panellist_mail`] inside the caller's transaction.
pub(crate) fn panellist_mail_in(
    conn: &mut DbConnection,
    grant: &Grant,
    study_id: &str,
) -> Result<Vec<PanellistMail>, AppError> {
    let facts = outbox::facts_for_study(conn, study_id)?;
    let people = panellists::for_study(conn, study_id)?;
    let contacts = grant.sees_contacts();
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
                .rfind(|f| matches!(f.kind, MailKind::Invitation | MailKind::RoundOpened))
                .map(|f| LastMessage::of(f, contacts));
            let last_reminder = mine()
                .rfind(|f| f.kind == MailKind::Reminder)
                .map(|f| LastMessage::of(f, contacts));
            PanellistMail {
                reminders: mine().filter(|f| f.kind == MailKind::Reminder).count(),
                panellist_id: p.id,
                pseudonym: p.pseudonym,
                email: if contacts { p.email } else { String::new() },
                last_invitation,
                last_reminder,
            }
        })
        .collect())
}

/// Retries one failed message of the study `slug` now. A message of another study is
/// "no such message", so an id cannot reach beyond the study the caller may manage.
pub fn retry(app: &App, actor: &Actor, slug: &str, outbox_id: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let row = outbox::find(conn, outbox_id)?
            .filter(|row| row.study_id.as_deref() == Some(study.id.as_str()))
            .ok_or_else(|| {
                AppError::NotFound(format!("this study has no message with id `{outbox_id}`"))
            })?;
        if row.status != OutboxStatus::Failed {
            return Err(AppError::Conflict(format!(
                "this message is {}; only failed messages can be retried",
                row.status
            )));
        }
        outbox::retry_failed(conn, outbox_id, delphi_store::now())?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "email.retried",
            serde_json::json!({"outbox_id": outbox_id, "kind": row.kind}),
        )
    })
}

/// Retries every failed message of round `number` of the study `slug` now; returns how many.
pub fn retry_round(app: &App, actor: &Actor, slug: &str, number: i32) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let round = round_numbered(conn, &study, number)?;
        let n = outbox::retry_failed_in_round(conn, &round.id, delphi_store::now())?;
        if n > 0 {
            audit::record(
                conn,
                &study.id,
                &grant.label,
                "email.retried",
                serde_json::json!({"round": round.number, "messages": n}),
            )?;
        }
        Ok(n)
    })
}
