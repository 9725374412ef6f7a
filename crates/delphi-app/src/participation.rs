//! What a panellist does through their link: consent, save answers as they go, submit,
//! withdraw. Every call starts from the token; nothing else identifies a panellist.

use delphi_core::lifecycle::{Disposition, RoundStatus, StudyStatus};
use delphi_core::states::MailKind;
use delphi_core::text::{self, TextKind};
use delphi_core::values::{Answer, Scale};
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{
    items, panellists, read_tx, responses, rounds, studies, write_tx, DbConnection,
};

use crate::access::{self, Actor};
use crate::{audit, App, AppError};

/// Comments and reasons are capped at this many characters (`TextKind::Comment`'s limit).
pub const MAX_COMMENT: usize = 2000;

/// The message for a token that never existed or was revoked (deliberately the same).
pub const UNKNOWN_LINK: &str =
    "this link is not valid; please use the most recent link you were sent";

/// One answer as the panellist gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerInput {
    /// The item's code.
    pub item_code: String,
    /// A rating (checked against the scale), "unable to rate" or nothing yet.
    pub rating: Option<i32>,
    /// "Unable to rate" (only where the study offers it).
    pub unable_to_rate: bool,
    /// Optional comment.
    pub comment: Option<String>,
    /// Optional reason for a rating far from the panel.
    pub reason: Option<String>,
}

/// What was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedAnswer {
    /// The item's code.
    pub item_code: String,
    /// The answer stored.
    pub answer: Answer,
    /// When.
    pub saved_at: chrono::NaiveDateTime,
}

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
    if person.withdrawn_at.is_some() {
        return Err(withdrawn());
    }
    let study = crate::studies::load(conn, &person.study_id)?;
    if study.status == StudyStatus::Completed {
        return Err(AppError::RoundClosed(
            "this study has finished; thank you for taking part".to_owned(),
        ));
    }
    let round = rounds::latest(conn, &person.study_id)?
        .ok_or_else(|| AppError::Conflict("the first round has not opened yet".to_owned()))?;
    match round.status {
        RoundStatus::Open => {}
        RoundStatus::Closed => return Err(round_closed()),
        RoundStatus::Draft => {
            return Err(AppError::Conflict(
                "the next round has not opened yet".to_owned(),
            ))
        }
    }
    if rounds::participation(conn, &round.id, &person.id)?.is_none() {
        return Err(AppError::Forbidden(
            "you are not invited to this round".to_owned(),
        ));
    }
    Ok(Writable {
        person,
        study,
        round,
    })
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

/// Saves one answer (autosave): a rating, "unable to rate", a comment, a reason.
///
/// The answer is checked on a read snapshot (the link, consent, the round, the item, the
/// scale); the write transaction then re-checks only what can change while the round is
/// open (the round closing, the panellist withdrawing or losing the link) and stores the
/// answer. SQLite has one writer at a time, so keeping its write lock this short is what
/// keeps saves quick when many panellists rate at once; the write goes through the pool's
/// group commit ([`delphi_store::Pool::write`]), so it returns only once durable.
pub fn save_answer(app: &App, actor: &Actor, input: &AnswerInput) -> Result<SavedAnswer, AppError> {
    let checked = {
        let mut conn = app.conn()?;
        read_tx(&mut conn, |conn| check_answer(conn, actor, input))?
    };
    app.db.write(move |conn| store_answer(conn, &checked))
}

/// Saves several answers at once (the plain-HTML form), all or nothing.
pub fn save_answers(
    app: &App,
    actor: &Actor,
    inputs: &[AnswerInput],
) -> Result<Vec<SavedAnswer>, AppError> {
    save_form(app, actor, inputs, &[])
}

/// Saves the plain-HTML form of a round: its answers and its open questions' suggestions
/// (round 1), all or nothing.
pub fn save_form(
    app: &App,
    actor: &Actor,
    inputs: &[AnswerInput],
    open: &[crate::questions::OpenInput],
) -> Result<Vec<SavedAnswer>, AppError> {
    let (checked, suggestions) = {
        let mut conn = app.conn()?;
        read_tx(&mut conn, |conn| {
            let checked: Vec<CheckedAnswer> = inputs
                .iter()
                .map(|input| check_answer(conn, actor, input))
                .collect::<Result<_, AppError>>()?;
            let suggestions: Vec<_> = open
                .iter()
                .map(|input| crate::questions::open::check(conn, actor, input))
                .collect::<Result<_, AppError>>()?;
            Ok::<_, AppError>((checked, suggestions))
        })?
    };
    app.db.write(move |conn| {
        let saved = checked
            .iter()
            .map(|answer| store_answer(conn, answer))
            .collect::<Result<Vec<_>, AppError>>()?;
        for suggestion in &suggestions {
            crate::questions::open::store(conn, suggestion)?;
        }
        Ok(saved)
    })
}

/// An answer that passed every check that cannot change while its round is open.
struct CheckedAnswer {
    item_code: String,
    answer: Answer,
    row: responses::ResponseRow,
}

/// Stores a checked answer if its round is still open and its panellist may still write
/// (one statement, which on PostgreSQL also holds a close back until this commits).
fn store_answer(conn: &mut DbConnection, checked: &CheckedAnswer) -> Result<SavedAnswer, AppError> {
    let state = rounds::write_check(conn, &checked.row.round_id, &checked.row.panellist_id)?
        .filter(|s| !s.token_revoked)
        .ok_or(AppError::Refused(access::Refusal::UnknownLink))?;
    if state.withdrawn {
        return Err(withdrawn());
    }
    if state.round_status != RoundStatus::Open {
        return Err(round_closed());
    }
    let now = delphi_store::now();
    responses::upsert(
        conn,
        &responses::ResponseRow {
            updated_at: now,
            ..checked.row.clone()
        },
    )?;
    Ok(SavedAnswer {
        item_code: checked.item_code.clone(),
        answer: checked.answer,
        saved_at: now,
    })
}

fn check_answer(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &AnswerInput,
) -> Result<CheckedAnswer, AppError> {
    let Writable {
        person,
        study,
        round,
    } = writable(conn, actor)?;
    if person.consented_at.is_none() {
        return Err(AppError::Conflict(
            "please read and agree to the consent statement first".to_owned(),
        ));
    }
    let settings = crate::studies::settings_of(&study)?;
    let not_in_round = || {
        AppError::NotFound(format!(
            "item {} is not part of this round",
            input.item_code
        ))
    };
    let item = items::find_by_code(conn, &study.id, &input.item_code)?.ok_or_else(not_in_round)?;
    let round_item = rounds::round_item(conn, &round.id, &item.id)?.ok_or_else(not_in_round)?;
    if round_item.disposition == Disposition::ForInformation {
        return Err(AppError::invalid(
            "rating",
            format!("item {} is shown for information only", input.item_code),
        ));
    }
    let scale =
        Scale::new(settings.scale.min, settings.scale.max).map_err(|e| AppError::Internal(e.0))?;
    let answer = match (input.rating, input.unable_to_rate) {
        (Some(_), true) => {
            return Err(AppError::invalid(
                "rating",
                "choose a rating or \"unable to rate\", not both",
            ))
        }
        (Some(value), false) => Answer::Rated(
            scale
                .rating(value)
                .map_err(|e| AppError::invalid("rating", e.0))?,
        ),
        (None, true) if !settings.unable_to_rate => {
            return Err(AppError::invalid(
                "rating",
                "this study does not offer \"unable to rate\"",
            ))
        }
        (None, true) => Answer::UnableToRate,
        (None, false) => Answer::Blank,
    };
    // Control and bidirectional characters (a NUL among them, which PostgreSQL refuses to
    // store) are refused with their position; the text is stored NFC-normalised.
    let clean = |text: &Option<String>, kind: TextKind, field: &str| {
        let cleaned = text::clean(kind, text.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid(field, e.0))?;
        Ok::<_, AppError>(Some(cleaned).filter(|t| !t.is_empty()))
    };
    Ok(CheckedAnswer {
        item_code: input.item_code.clone(),
        answer,
        row: responses::ResponseRow {
            round_id: round.id.clone(),
            item_id: item.id.clone(),
            panellist_id: person.id.clone(),
            rating: match answer {
                Answer::Rated(r) => Some(r.value()),
                _ => None,
            },
            unable_to_rate: answer == Answer::UnableToRate,
            comment: clean(&input.comment, TextKind::Comment, "comment")?,
            reason: clean(&input.reason, TextKind::Reason, "reason")?,
            updated_at: delphi_store::now(),
        },
    })
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Codes of items left without a rating or "unable to rate".
    pub unrated: Vec<String>,
}

/// Records the submission and queues a thank-you (once per round). Answers stay editable
/// until the round closes; submitting again just updates the time. Through the pool's group
/// commit, like a save.
pub fn submit(app: &App, actor: &Actor) -> Result<Submission, AppError> {
    let actor = actor.clone();
    app.db.write(move |conn| {
        let actor = &actor;
        let Writable {
            person,
            study,
            round,
        } = writable(conn, actor)?;
        let answered: Vec<String> = responses::for_panellist(conn, &round.id, &person.id)?
            .into_iter()
            .filter(|r| r.rating.is_some() || r.unable_to_rate)
            .map(|r| r.item_id)
            .collect();
        let (mut unrated, mut total) = (Vec::new(), 0);
        for round_item in rounds::items(conn, &round.id)? {
            if round_item.disposition != Disposition::ForInformation {
                total += 1;
            }
            if round_item.disposition != Disposition::ForInformation
                && !answered.contains(&round_item.item_id)
            {
                if let Some(item) = items::find(conn, &round_item.item_id)? {
                    unrated.push(item.code);
                }
            }
        }
        let now = delphi_store::now();
        rounds::mark_submitted(conn, &round.id, &person.id, now)?;
        outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: Some(study.id.clone()),
                round_id: Some(round.id.clone()),
                panellist_id: Some(person.id.clone()),
                kind: MailKind::ThankYou,
                recipient: person.email.clone(),
                context: thank_you_context(&study, &round, total, total - unrated.len())?,
                dedupe_key: Some(format!("thank_you:{}:{}", round.id, person.id)),
            },
            now,
        )?;
        Ok(Submission { unrated })
    })
}

/// The thank-you's context: the round's (deadline in the study's zone...) with how many of
/// the `total` statements were `rated`, so the email can say so when some were left.
fn thank_you_context(
    study: &delphi_store::studies::StudyRow,
    round: &rounds::RoundRow,
    total: usize,
    rated: usize,
) -> Result<serde_json::Value, AppError> {
    let settings = crate::studies::settings_of(study)?;
    let mut context = crate::round_mail::context(study, &settings, round.number, round.deadline);
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
