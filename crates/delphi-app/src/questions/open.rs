//! Round 1's open question, "is anything missing?": one suggestion per panellist per section
//! (numbered 1.. in the round's order) or for the whole round (number 0), saved with the
//! round's answers and read by the planner ([`crate::planner`]).

use delphi_core::lifecycle::RoundStatus;
use delphi_core::text::{self, TextKind};
use delphi_store::questions::{self as store, OpenAnswerRow};
use delphi_store::{items, panellists, rounds, DbConnection};
use serde::Serialize;

use crate::access::Actor;
use crate::participation::{round_closed, withdrawn, writable, Writable};
use crate::{App, AppError};

/// A suggestion as the panellist sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInput {
    /// The section's number in the round (1..), or 0 for the question about the whole round.
    pub n: usize,
    /// What they wrote (empty: take the suggestion back).
    pub text: String,
}

/// An open question on the round page, with the panellist's suggestion so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenQuestionView {
    /// The section's number (0: the whole round); the form field is `o_{n}`.
    pub n: usize,
    /// What the panellist wrote so far.
    pub text: String,
}

/// What was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedOpen {
    /// The section's number.
    pub n: usize,
    /// When.
    pub saved_at: chrono::NaiveDateTime,
}

/// A suggestion that passed every check that cannot change while its round is open.
pub(crate) struct CheckedOpen {
    n: usize,
    row: OpenAnswerRow,
}

/// The round's sections in the order its page shows them (by first item).
pub(crate) fn sections_of(
    conn: &mut DbConnection,
    round: &rounds::RoundRow,
) -> Result<Vec<String>, AppError> {
    // One read of the study's items, not one per round item (a round may have 2,000).
    let section_of: std::collections::HashMap<String, String> =
        items::for_study(conn, &round.study_id)?
            .into_iter()
            .map(|item| (item.id, item.section))
            .collect();
    let mut sections: Vec<String> = Vec::new();
    for round_item in rounds::items(conn, &round.id)? {
        if let Some(section) = section_of.get(&round_item.item_id) {
            if !sections.contains(section) {
                sections.push(section.clone());
            }
        }
    }
    Ok(sections)
}

/// The section key a question number stands for, refused when the round does not ask it.
pub(crate) fn section_key(
    settings: &delphi_core::StudySettings,
    round: &rounds::RoundRow,
    sections: &[String],
    n: usize,
) -> Result<String, AppError> {
    let field = format!("o_{n}");
    let open = &settings.open_questions;
    if round.number != 1 || !open.any() {
        return Err(AppError::invalid(
            &field,
            format!("round {} asks no open question", round.number),
        ));
    }
    if n == 0 {
        return if open.overall {
            Ok(String::new())
        } else {
            Err(AppError::invalid(
                &field,
                "this round asks \"is anything missing?\" per section, not for the whole round",
            ))
        };
    }
    if !open.per_section {
        return Err(AppError::invalid(
            &field,
            "this round asks \"is anything missing?\" once for the whole round, not per section",
        ));
    }
    sections.get(n - 1).cloned().ok_or_else(|| {
        AppError::invalid(
            &field,
            format!(
                "section {n} is not a section of this round (it has {})",
                sections.len()
            ),
        )
    })
}

/// Checks a suggestion of the panellist `actor` (on a read snapshot).
pub(crate) fn check(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &OpenInput,
) -> Result<CheckedOpen, AppError> {
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
    let sections = sections_of(conn, &round)?;
    let section = section_key(&settings, &round, &sections, input.n)?;
    let cleaned = text::clean(TextKind::Suggestion, &input.text).map_err(|e| {
        let place = if input.n == 0 {
            "the question about the whole round".to_owned()
        } else {
            format!("the question after section {}", input.n)
        };
        AppError::invalid(&format!("o_{}", input.n), format!("{place}: {}", e.0))
    })?;
    Ok(CheckedOpen {
        n: input.n,
        row: OpenAnswerRow {
            round_id: round.id,
            panellist_id: person.id,
            section,
            text: cleaned,
            updated_at: delphi_store::now(),
        },
    })
}

/// Stores a checked suggestion if its round is still open and its panellist may still write.
pub(crate) fn store(conn: &mut DbConnection, checked: &CheckedOpen) -> Result<SavedOpen, AppError> {
    let person = panellists::find(conn, &checked.row.panellist_id)?
        .filter(|p| p.token_revoked_at.is_none())
        .ok_or(AppError::Refused(crate::access::Refusal::UnknownLink))?;
    if person.withdrawn_at.is_some() {
        return Err(withdrawn());
    }
    let round = rounds::find(conn, &checked.row.round_id)?
        .ok_or_else(|| AppError::Internal("the round vanished".to_owned()))?;
    if round.status != RoundStatus::Open {
        return Err(round_closed());
    }
    let now = delphi_store::now();
    store::put_open(
        conn,
        &OpenAnswerRow {
            updated_at: now,
            ..checked.row.clone()
        },
    )?;
    Ok(SavedOpen {
        n: checked.n,
        saved_at: now,
    })
}

/// Saves one suggestion (the page's script), like an answer's autosave.
pub fn save_open_answer(
    app: &App,
    actor: &Actor,
    input: &OpenInput,
) -> Result<SavedOpen, AppError> {
    let checked = {
        let mut conn = app.conn()?;
        delphi_store::read_tx(&mut conn, |conn| check(conn, actor, input))?
    };
    app.db.write(move |conn| store(conn, &checked))
}

/// The open questions of `round` for the panellist `panellist_id`: per section (by section
/// name) and for the whole round, with what they wrote.
pub(crate) fn views_for(
    conn: &mut DbConnection,
    settings: &delphi_core::StudySettings,
    round: &rounds::RoundRow,
    panellist_id: &str,
) -> Result<Vec<(String, OpenQuestionView)>, AppError> {
    let open = &settings.open_questions;
    if round.number != 1 || !open.any() {
        return Ok(Vec::new());
    }
    let written = store::open_for_panellist(conn, &round.id, panellist_id)?;
    let text_of = |section: &str| {
        written
            .iter()
            .find(|r| r.section == section)
            .map(|r| r.text.clone())
            .unwrap_or_default()
    };
    let mut views = Vec::new();
    if open.per_section {
        for (index, section) in sections_of(conn, round)?.into_iter().enumerate() {
            // Items without a section, asked about the whole round anyway: one question.
            if section.is_empty() && open.overall {
                continue;
            }
            let text = text_of(&section);
            views.push((section, OpenQuestionView { n: index + 1, text }));
        }
    }
    if open.overall {
        views.push((
            String::new(),
            OpenQuestionView {
                n: 0,
                text: text_of(""),
            },
        ));
    }
    Ok(views)
}
