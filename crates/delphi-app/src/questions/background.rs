//! The background questionnaire: shown after consent, answered (or skipped) once, changeable
//! later; every question may be left unanswered ("prefer not to say") and the round never
//! waits for it.

use delphi_core::lifecycle::StudyStatus;
use delphi_core::questions::{BackgroundQuestion, QuestionKind};
use delphi_store::questions::{self as store, BackgroundAnswerRow};
use delphi_store::{panellists, read_tx, write_tx, DbConnection};
use serde::Serialize;

use crate::access::{self, Actor};
use crate::{audit, App, AppError};

/// The questionnaire as the panellist sees it, with their answers so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackgroundView {
    /// The study as panellists see it.
    pub study: crate::panellist::StudyInfo,
    /// The questions in order (none: the study asks none, and the page is the round's).
    pub questions: Vec<QuestionView>,
    /// Whether the panellist has answered or skipped it before.
    pub answered: bool,
}

/// One question, ready for a form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionView {
    /// Its id (the form field is `b_{id}`).
    pub id: String,
    /// The question.
    pub label: String,
    /// `single`, `multiple`, `number` or `text`.
    pub kind: &'static str,
    /// Whether it is a single choice (radio buttons).
    pub single: bool,
    /// Whether it is a multiple choice (check boxes).
    pub multiple: bool,
    /// The options of a choice, with the current answer ticked.
    pub options: Vec<OptionView>,
    /// A number question's bounds.
    pub min: Option<i64>,
    /// A number question's bounds.
    pub max: Option<i64>,
    /// Whether it is a number question.
    pub number: bool,
    /// The current answer as stored (empty: none).
    pub value: String,
}

/// An option of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionView {
    /// Its words (also the value sent).
    pub label: String,
    /// Whether it is part of the current answer.
    pub checked: bool,
}

/// The questionnaire as sent: the values given per question id (several for a multiple
/// choice), or `skip` for "prefer not to say" to all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackgroundInput {
    /// Question id -> values, in the order sent.
    pub answers: Vec<(String, Vec<String>)>,
    /// Skip the whole questionnaire.
    pub skip: bool,
}

/// The panellist of `actor`, who has consented and not withdrawn, with the study's
/// questions.
fn asker(conn: &mut DbConnection, actor: &Actor) -> Result<Asker, AppError> {
    let person = access::panellist(conn, actor)?;
    if person.withdrawn_at.is_some() {
        return Err(AppError::Forbidden(
            "you have withdrawn from this study, so nothing more can be saved".to_owned(),
        ));
    }
    let study = crate::studies::load(conn, &person.study_id)?;
    if study.status == StudyStatus::Completed {
        return Err(AppError::Conflict(
            "this study has finished; thank you for taking part".to_owned(),
        ));
    }
    if person.consented_at.is_none() {
        return Err(AppError::Conflict(
            "please read and agree to the consent statement first".to_owned(),
        ));
    }
    let questions = crate::studies::settings_of(&study)?.background;
    Ok(Asker {
        person,
        study,
        questions,
    })
}

/// Who answers, in which study, which questions.
struct Asker {
    person: panellists::PanellistRow,
    study: delphi_store::studies::StudyRow,
    questions: Vec<BackgroundQuestion>,
}

/// Whether the panellist of `actor` still has the questionnaire to answer (the study asks
/// some questions and they have neither answered nor skipped them).
pub(crate) fn pending_in(
    conn: &mut DbConnection,
    study: &delphi_store::studies::StudyRow,
    person: &panellists::PanellistRow,
) -> Result<bool, AppError> {
    if crate::studies::settings_of(study)?.background.is_empty() {
        return Ok(false);
    }
    Ok(store::background_of(conn, &person.id)?.is_empty())
}

/// Whether the panellist of `actor` still has the questionnaire to answer.
pub fn background_pending(app: &App, actor: &Actor) -> Result<bool, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let person = access::panellist(conn, actor)?;
        let study = crate::studies::load(conn, &person.study_id)?;
        pending_in(conn, &study, &person)
    })
}

/// The questionnaire page of the panellist `actor`.
pub fn background(app: &App, actor: &Actor) -> Result<BackgroundView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let Asker {
            person,
            study,
            questions,
        } = asker(conn, actor)?;
        let stored = store::background_of(conn, &person.id)?;
        let answer_of = |id: &str| {
            stored
                .iter()
                .find(|r| r.question_id == id)
                .and_then(|r| r.answer.clone())
                .unwrap_or_default()
        };
        let views = questions
            .iter()
            .map(|q| {
                let current = answer_of(&q.id);
                let chosen: Vec<&str> = current.split('\n').collect();
                QuestionView {
                    id: q.id.clone(),
                    label: q.label.clone(),
                    kind: q.kind.word(),
                    single: q.kind == QuestionKind::Single,
                    multiple: q.kind == QuestionKind::Multiple,
                    options: q
                        .options
                        .iter()
                        .map(|o| OptionView {
                            label: o.clone(),
                            checked: chosen.contains(&o.as_str()),
                        })
                        .collect(),
                    min: q.min,
                    max: q.max,
                    number: q.kind == QuestionKind::Number,
                    value: current,
                }
            })
            .collect();
        Ok(BackgroundView {
            study: crate::panellist::study_info(&study, &person),
            questions: views,
            answered: !stored.is_empty(),
        })
    })
}

/// Stores the panellist's answers (one row per question, "prefer not to say" as no answer),
/// all or nothing: a value the question does not take refuses the whole questionnaire,
/// naming the question.
pub fn save_background(app: &App, actor: &Actor, input: &BackgroundInput) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let Asker {
            person, questions, ..
        } = asker(conn, actor)?;
        if questions.is_empty() {
            return Err(AppError::NotFound(
                "this study asks no background questions".to_owned(),
            ));
        }
        if let Some((id, _)) = input
            .answers
            .iter()
            .find(|(id, _)| !questions.iter().any(|q| &q.id == id))
        {
            return Err(AppError::invalid(
                "background",
                format!("this study asks no background question {id:?}"),
            ));
        }
        let now = delphi_store::now();
        let mut rows = Vec::with_capacity(questions.len());
        for q in &questions {
            let values: Vec<String> = input
                .answers
                .iter()
                .filter(|(id, _)| id == &q.id)
                .flat_map(|(_, v)| v.iter().cloned())
                .collect();
            let answer = if input.skip {
                None
            } else {
                q.answer(&values)
                    .map_err(|e| AppError::invalid(&format!("b_{}", q.id), e.0))?
            };
            rows.push(BackgroundAnswerRow {
                panellist_id: person.id.clone(),
                question_id: q.id.clone(),
                answer,
                answered_at: now,
            });
        }
        let given = rows.iter().filter(|r| r.answer.is_some()).count();
        store::put_background(conn, &person.id, &rows)?;
        audit::record(
            conn,
            &person.study_id,
            &format!("panellist:{}", person.pseudonym),
            "panellist.background_answered",
            serde_json::json!({"answered": given, "questions": rows.len()}),
        )
    })
}
