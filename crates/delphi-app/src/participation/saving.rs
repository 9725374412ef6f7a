//! Saving answers: one by the autosave, or a whole form, checked against what cannot change
//! while the round is open and written through the pool's group commit.

use std::sync::Arc;

use delphi_core::lifecycle::Disposition;
use delphi_core::text::{self, TextKind};
use delphi_core::values::{Answer, Scale};
use delphi_store::{read_tx, responses, rounds, saves, DbConnection};

use super::{may_write, not_open_yet, stored_or_refused, Standing};
use crate::access::{self, Actor};
use crate::save_cache::{OpenRound, SaveCache};
use crate::{App, AppError};

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

/// Saves one answer (autosave): a rating, "unable to rate", a comment, a reason.
///
/// The answer is checked against what cannot change while the round is open (the link's
/// panellist, consent, the round, its items, the scale), which the process remembers after
/// a panellist's first save ([`crate::save_cache`]); the write then re-checks, in its own
/// statement, what can change (the round closing, the panellist withdrawing or losing the
/// link) and stores the answer. A write refused on remembered facts is checked afresh from
/// the database, so the answer or the error is always the database's. The write goes
/// through the pool's group commit ([`delphi_store::Pool::write`]), so it returns only once
/// durable.
pub fn save_answer(app: &App, actor: &Actor, input: &AnswerInput) -> Result<SavedAnswer, AppError> {
    let link = access::panellist_link_hash(actor)?;
    if let Some(known) = app.saves.writer(&link) {
        if let Ok(checked) = check_answer(&known.panellist_id, &known.round, &link, input) {
            if let Ok(saved) = save_alone(app, checked) {
                return Ok(saved);
            }
        }
        app.saves.forget(&link);
    }
    let (panellist_id, round) = {
        let mut conn = app.conn()?;
        open_round_of(&mut conn, &app.saves, &link)?
    };
    let checked = check_answer(&panellist_id, &round, &link, input)?;
    let saved = save_alone(app, checked)?;
    app.saves.remember(link, panellist_id, round);
    Ok(saved)
}

/// An autosave checked against what the process remembers of its link and queued for the
/// next group commit ([`queue_save`]); [`QueuedSave::saved`] waits for that commit without
/// holding a thread.
#[derive(Debug)]
pub struct QueuedSave {
    checked: CheckedAnswer,
    now: chrono::NaiveDateTime,
    saves: SaveCache,
    committing: delphi_store::Committing,
}

/// Queues an autosave as [`save_answer`] would store it, reading nothing and waiting for
/// nothing, when the process remembers the link (a panellist's saves after their first);
/// `None` when it does not or the answer fails a check, and then [`save_answer`] does the
/// whole save and says what was wrong. Cheap enough to run on an async executor: a hash, a
/// lookup, the answer's checks and a send to the writer.
pub fn queue_save(app: &App, actor: &Actor, input: &AnswerInput) -> Option<QueuedSave> {
    let link = access::panellist_link_hash(actor).ok()?;
    let known = app.saves.writer(&link)?;
    let checked = check_answer(&known.panellist_id, &known.round, &link, input).ok()?;
    let (row, now) = checked.stamped();
    let committing = app.db.queue_save(row, checked.link.clone()).ok()?;
    Some(QueuedSave {
        checked,
        now,
        saves: app.saves.clone(),
        committing,
    })
}

impl QueuedSave {
    /// The answer as saved, once its commit is durable; `None` when the store refused it on
    /// the remembered facts or the commit failed: the link is then forgotten, and
    /// [`save_answer`] checks it afresh from the database and saves or says why not.
    pub async fn saved(self) -> Option<SavedAnswer> {
        let outcome = self.committing.await;
        match outcome
            .map_err(AppError::from)
            .and_then(|outcome| saved_or_refused(outcome, &self.checked, self.now))
        {
            Ok(saved) => Some(saved),
            Err(_) => {
                self.saves.forget(&self.checked.link);
                None
            }
        }
    }
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
            let mut checked = Vec::with_capacity(inputs.len());
            if !inputs.is_empty() {
                let link = access::panellist_link_hash(actor)?;
                let (panellist_id, round) = open_round_of(conn, &app.saves, &link)?;
                for input in inputs {
                    checked.push(check_answer(&panellist_id, &round, &link, input)?);
                }
            }
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
#[derive(Debug)]
struct CheckedAnswer {
    item_code: String,
    answer: Answer,
    row: responses::ResponseRow,
    /// The stored hash of the link it came by (the write checks it is still the live one).
    link: String,
}

impl CheckedAnswer {
    /// The row to write now, stamped with the time of writing, and that time.
    fn stamped(&self) -> (responses::ResponseRow, chrono::NaiveDateTime) {
        let now = delphi_store::now();
        let row = responses::ResponseRow {
            updated_at: now,
            ..self.row.clone()
        };
        (row, now)
    }
}

/// Stores a checked answer if its round is still open and its panellist may still write
/// by that link (one statement, which on PostgreSQL also holds a close back until this
/// commits).
fn store_answer(conn: &mut DbConnection, checked: &CheckedAnswer) -> Result<SavedAnswer, AppError> {
    let (row, now) = checked.stamped();
    let outcome = saves::save(conn, &row, &checked.link)?;
    saved_or_refused(outcome, checked, now)
}

/// Stores one checked answer as the autosave sends it: through the pool's save lane, where
/// PostgreSQL writes the saves waiting together in one statement.
fn save_alone(app: &App, checked: CheckedAnswer) -> Result<SavedAnswer, AppError> {
    let (row, now) = checked.stamped();
    let outcome = app.db.save(row, checked.link.clone())?;
    saved_or_refused(outcome, &checked, now)
}

/// The answer's result once the save is durable, or why it was refused.
fn saved_or_refused(
    outcome: saves::SaveOutcome,
    checked: &CheckedAnswer,
    now: chrono::NaiveDateTime,
) -> Result<SavedAnswer, AppError> {
    stored_or_refused(outcome)?;
    Ok(SavedAnswer {
        item_code: checked.item_code.clone(),
        answer: checked.answer,
        saved_at: now,
    })
}

/// The panellist and the open round a save by the link hashed `link` goes to, checked from
/// the database in one statement (the round's items and scale as remembered, else read).
pub(super) fn open_round_of(
    conn: &mut DbConnection,
    cache: &SaveCache,
    link: &str,
) -> Result<(String, Arc<OpenRound>), AppError> {
    let target = saves::target(conn, link)?
        .filter(|t| !t.token_revoked)
        .ok_or(AppError::Refused(access::Refusal::UnknownLink))?;
    may_write(&Standing {
        withdrawn: target.withdrawn,
        study: target.study_status,
        round: target.round.as_ref().map(|(_, status)| *status),
        participating: target.participating,
    })?;
    if !target.consented {
        return Err(AppError::Conflict(
            "please read and agree to the consent statement first".to_owned(),
        ));
    }
    let (round_id, _) = target.round.ok_or_else(not_open_yet)?;
    if let Some(round) = cache.round(&round_id) {
        return Ok((target.panellist_id, round));
    }
    let settings = crate::studies::parse_settings(&target.settings, &target.study_id)?;
    let items = rounds::item_codes(conn, &round_id)?;
    let round = OpenRound {
        scale: Scale::new(settings.scale.min, settings.scale.max)
            .map_err(|e| AppError::Internal(e.0))?,
        unable_to_rate: settings.unable_to_rate,
        to_rate: items
            .iter()
            .filter(|(_, _, disposition)| *disposition != Disposition::ForInformation)
            .map(|(code, _, _)| code.clone())
            .collect(),
        items: items
            .into_iter()
            .map(|(code, item_id, disposition)| (code, (item_id, disposition)))
            .collect(),
        round_id,
    };
    Ok((target.panellist_id, Arc::new(round)))
}

/// Checks an answer by `panellist_id` to `round` (the item, the scale, the texts).
fn check_answer(
    panellist_id: &str,
    round: &OpenRound,
    link: &str,
    input: &AnswerInput,
) -> Result<CheckedAnswer, AppError> {
    let (item_id, disposition) = round.items.get(&input.item_code).ok_or_else(|| {
        AppError::NotFound(format!(
            "item {} is not part of this round",
            input.item_code
        ))
    })?;
    if *disposition == Disposition::ForInformation {
        return Err(AppError::invalid(
            "rating",
            format!("item {} is shown for information only", input.item_code),
        ));
    }
    let answer = match (input.rating, input.unable_to_rate) {
        (Some(_), true) => {
            return Err(AppError::invalid(
                "rating",
                "choose a rating or \"unable to rate\", not both",
            ))
        }
        (Some(value), false) => Answer::Rated(
            round
                .scale
                .rating(value)
                .map_err(|e| AppError::invalid("rating", e.0))?,
        ),
        (None, true) if !round.unable_to_rate => {
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
            round_id: round.round_id.clone(),
            item_id: item_id.clone(),
            panellist_id: panellist_id.to_owned(),
            rating: match answer {
                Answer::Rated(r) => Some(r.value()),
                _ => None,
            },
            unable_to_rate: answer == Answer::UnableToRate,
            comment: clean(&input.comment, TextKind::Comment, "comment")?,
            reason: clean(&input.reason, TextKind::Reason, "reason")?,
            updated_at: delphi_store::now(),
        },
        link: link.to_owned(),
    })
}
