//! What a panellist does through their link: consent, save answers as they go, submit,
//! withdraw. Every call starts from the token; nothing else identifies a panellist.

use delphi_core::lifecycle::{RoundStatus, StudyStatus};
use delphi_core::states::MailKind;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::saves::SaveOutcome;
use delphi_store::submissions::{self, PendingSubmission};
use delphi_store::{panellists, responses, rounds, studies, write_tx, DbConnection};

mod saving;

pub use saving::{
    queue_save, save_answer, save_answers, save_form, AnswerInput, QueuedSave, SavedAnswer,
};

use std::sync::Arc;

use crate::access::{self, Actor};
use crate::save_cache::OpenRound;
use crate::{audit, App, AppError};

/// Comments and reasons are capped at this many characters (`TextKind::Comment`'s limit).
pub const MAX_COMMENT: usize = 2000;

/// The message for a token that never existed or was revoked (deliberately the same).
pub const UNKNOWN_LINK: &str =
    "this link is not valid; please use the most recent link you were sent";

/// The open round a panellist may write to, with its study.
pub(crate) struct Writable {
    pub(crate) person: panellists::PanellistRow,
    pub(crate) study: studies::StudyRow,
    pub(crate) round: rounds::RoundRow,
}

pub(crate) fn withdrawn() -> AppError {
    AppError::Forbidden(
        "you have withdrawn from this study, so nothing more can be saved".to_owned(),
    )
}

pub(crate) fn round_closed() -> AppError {
    AppError::RoundClosed(
        "this round has closed, so answers can no longer be changed; answers saved before it \
         closed are kept"
            .to_owned(),
    )
}

pub(crate) fn writable(conn: &mut DbConnection, actor: &Actor) -> Result<Writable, AppError> {
    let person = access::panellist(conn, actor)?;
    let study = crate::studies::load(conn, &person.study_id)?;
    let round = rounds::latest(conn, &person.study_id)?;
    let participating = match &round {
        Some(round) => rounds::participation(conn, &round.id, &person.id)?.is_some(),
        None => false,
    };
    may_write(&Standing {
        withdrawn: person.withdrawn_at.is_some(),
        study: study.status,
        round: round.as_ref().map(|r| r.status),
        participating,
    })?;
    let round = round.ok_or_else(not_open_yet)?;
    Ok(Writable {
        person,
        study,
        round,
    })
}

/// Where a panellist with a live link stands towards their study's latest round.
struct Standing {
    withdrawn: bool,
    study: StudyStatus,
    /// The latest round's status, if there is a round.
    round: Option<RoundStatus>,
    /// Invited to that round.
    participating: bool,
}

fn not_open_yet() -> AppError {
    AppError::Conflict("the first round has not opened yet".to_owned())
}

/// Whether the panellist may write to the round, or why not (checked in this order).
fn may_write(standing: &Standing) -> Result<(), AppError> {
    if standing.withdrawn {
        return Err(withdrawn());
    }
    if standing.study == StudyStatus::Completed {
        return Err(AppError::RoundClosed(
            "this study has finished; thank you for taking part".to_owned(),
        ));
    }
    match standing.round.ok_or_else(not_open_yet)? {
        RoundStatus::Open => {}
        RoundStatus::Closed => return Err(round_closed()),
        RoundStatus::Draft => {
            return Err(AppError::Conflict(
                "the next round has not opened yet".to_owned(),
            ))
        }
    }
    if !standing.participating {
        return Err(AppError::Forbidden(
            "you are not invited to this round".to_owned(),
        ));
    }
    Ok(())
}

/// Records consent (idempotent); returns whether the background questionnaire waits for
/// the panellist (the page after consent is then the questionnaire).
/// Like a save, it goes through the pool's group commit (many consent when a round opens).
pub fn consent(app: &App, actor: &Actor) -> Result<bool, AppError> {
    let actor = actor.clone();
    app.db.write(move |conn| {
        let actor = &actor;
        let person = access::panellist(conn, actor)?;
        if person.withdrawn_at.is_some() {
            return Err(AppError::Forbidden(
                "you have withdrawn from this study".to_owned(),
            ));
        }
        if person.consented_at.is_none() {
            panellists::consent(conn, &person.id, delphi_store::now())?;
            audit::record(
                conn,
                &person.study_id,
                &format!("panellist:{}", person.pseudonym),
                "panellist.consented",
                serde_json::json!({}),
            )?;
        }
        let study = crate::studies::load(conn, &person.study_id)?;
        crate::questions::background::pending_in(conn, &study, &person)
    })
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Codes of items left without a rating or "unable to rate".
    pub unrated: Vec<String>,
}

/// Records the submission and queues a thank-you (once per round). Answers stay editable
/// until the round closes; submitting again just updates the time.
///
/// What to record is read first (which statements are still unrated, the email's context;
/// for a link the process remembers from its saves, without reading the panellist's
/// standing again); the write, through the pool's group commit like a save, re-checks what
/// can change meanwhile (the link, a withdrawal, the round closing) and records it, so a
/// burst of submissions does not hold up the saves committed with them. A submission
/// refused on remembered facts is checked afresh, as a save is.
pub fn submit(app: &App, actor: &Actor) -> Result<Submission, AppError> {
    let link = access::panellist_link_hash(actor)?;
    if let Some(known) = app.saves.writer(&link) {
        let remembered = (known.panellist_id.clone(), Arc::clone(&known.round));
        if let Ok(submission) = record_submission(app, &link, remembered) {
            return Ok(submission);
        }
        app.saves.forget(&link);
    }
    let checked = {
        let mut conn = app.conn()?;
        saving::open_round_of(&mut conn, &app.saves, &link)?
    };
    record_submission(app, &link, checked)
}

/// Submits for `panellist` in `round` by the link hashed `link`: reads the unrated
/// statements and the thank-you's context, then records both in the group commit after
/// re-checking the link and the round ([`delphi_store::submissions::submit`]).
fn record_submission(
    app: &App,
    link: &str,
    (panellist, round): (String, Arc<OpenRound>),
) -> Result<Submission, AppError> {
    let (facts, unrated) = {
        let mut conn = app.conn()?;
        let facts =
            submissions::facts(&mut conn, &round.round_id, &panellist)?.ok_or_else(round_closed)?;
        // Most submit with every item answered: then the count says so, and only a
        // submission with gaps reads which.
        let answered = usize::try_from(facts.answered).unwrap_or(0);
        let unrated = if answered >= round.to_rate.len() {
            Vec::new()
        } else {
            unrated_of(&mut conn, &round, &panellist)?
        };
        (facts, unrated)
    };
    let total = round.to_rate.len();
    let context = thank_you_context(&facts, total, total - unrated.len())?;
    let pending = PendingSubmission::new(&round.round_id, &panellist, link, &context);
    stored_or_refused(app.db.submit(pending)?)?;
    Ok(Submission { unrated })
}

/// `Ok` for a save or submission the store wrote, else why it refused it.
pub(crate) fn stored_or_refused(outcome: SaveOutcome) -> Result<(), AppError> {
    match outcome {
        SaveOutcome::Stored => Ok(()),
        SaveOutcome::UnknownLink => Err(AppError::Refused(access::Refusal::UnknownLink)),
        SaveOutcome::Withdrawn => Err(withdrawn()),
        SaveOutcome::RoundNotOpen => Err(round_closed()),
    }
}

/// The codes of the statements of `round` that `panellist` has left unrated, in page order.
fn unrated_of(
    conn: &mut DbConnection,
    round: &OpenRound,
    panellist: &str,
) -> Result<Vec<String>, AppError> {
    let answered: std::collections::HashSet<String> =
        responses::answered_items(conn, &round.round_id, panellist)?
            .into_iter()
            .collect();
    Ok(round
        .to_rate
        .iter()
        .filter(|code| {
            round
                .items
                .get(*code)
                .is_some_and(|(id, _)| !answered.contains(id))
        })
        .cloned()
        .collect())
}

/// The thank-you's context: the round's (deadline in the study's zone...) with how many of
/// the `total` statements were `rated`, so the email can say so when some were left.
fn thank_you_context(
    facts: &submissions::SubmissionFacts,
    total: usize,
    rated: usize,
) -> Result<serde_json::Value, AppError> {
    let settings = crate::studies::parse_settings(&facts.settings, &facts.study_slug)?;
    let mut context = crate::round_mail::context_of(
        &facts.study_title,
        &facts.time_zone,
        &settings,
        facts.round_number,
        facts.deadline,
    );
    context["rated"] = rated.into();
    context["total"] = total.into();
    Ok(context)
}

/// Marks `person` withdrawn and queues the confirmation email, inside the caller's
/// transaction: the panellist's own withdrawal and one recorded for them by the team share it.
pub(crate) fn mark_withdrawn(
    conn: &mut delphi_store::DbConnection,
    study: &delphi_store::studies::StudyRow,
    person: &panellists::PanellistRow,
) -> Result<(), AppError> {
    let now = delphi_store::now();
    panellists::withdraw(conn, &person.id, now)?;
    outbox::enqueue(
        conn,
        &NewOutboxMessage {
            study_id: Some(study.id.clone()),
            round_id: None,
            panellist_id: Some(person.id.clone()),
            kind: MailKind::Withdrawal,
            recipient: person.email.clone(),
            context: serde_json::json!({"study_title": study.title}),
            dedupe_key: Some(format!("withdrawal:{}", person.id)),
        },
        now,
    )?;
    Ok(())
}

/// Withdraws the panellist; earlier answers are kept as the consent text says.
pub fn withdraw(app: &App, actor: &Actor) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let person = access::panellist(conn, actor)?;
        if person.withdrawn_at.is_some() {
            return Ok(());
        }
        let study = crate::studies::load(conn, &person.study_id)?;
        mark_withdrawn(conn, &study, &person)?;
        audit::record(
            conn,
            &study.id,
            &format!("panellist:{}", person.pseudonym),
            "panellist.withdrew",
            serde_json::json!({}),
        )
    })
}

/// Records that the panellist opened the current round's page (first time only). A write,
/// so it takes its turn in the group commit: a statement of its own would wait in SQLite's
/// busy handler, which sleeps in growing steps while the saves of others hold the file.
pub fn mark_opened(app: &App, actor: &Actor) -> Result<(), AppError> {
    let actor = actor.clone();
    app.db.write(move |conn| {
        let person = access::panellist(conn, &actor)?;
        if let Some(round) = rounds::latest(conn, &person.study_id)? {
            rounds::mark_opened(conn, &round.id, &person.id, delphi_store::now())?;
        }
        Ok(())
    })
}
