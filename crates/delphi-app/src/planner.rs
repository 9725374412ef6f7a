//! The next-round planner a researcher works in between two rounds: the rule's proposal per
//! item (carry, retire, keep for information), the researcher's changes to it (each stored
//! with its reason in `plan_changes`, one per item, and audited), a summary of the round
//! and its invitations, and opening the round from the stored changes. The rule itself is
//! [`delphi_core::planning`]; applying a plan is [`crate::next_round`].

use std::collections::HashMap;

use delphi_core::lifecycle::StudyStatus;
use delphi_core::planning::{ClosedItem, NextRoundPlan, PlanEdit, PlannedItem};
use delphi_core::states::{PlanChangeKind, Verdict};
use delphi_core::text::{self, TextKind};
use delphi_core::values::ItemCode;
use delphi_store::plans::PlanChangeRow;
use delphi_store::DbConnection;
use delphi_store::{items, panellists, plans, read_tx, responses, rounds, studies, write_tx};

use crate::access::{self, Actor, Permission};
use crate::opening::{OpenedRound, RoundOptions};
use crate::{audit, next_round, App, AppError};

mod summary;
mod view;

pub use view::{
    AddedLine, ChangeLine, Outcome, PlanLine, PlanSummary, PlanView, SourceLine, SuggestionLine,
};

/// A suggestion (round 1's "is anything missing?") an added item comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionSource {
    /// The section it was written for (`""`: the whole round).
    pub section: String,
    /// The writer's pseudonym.
    pub pseudonym: String,
}

/// A comment an added item comes from: the item it was written on and its writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentSource {
    /// The code of the item the comment was written on (in the round just closed).
    pub item: String,
    /// The writer's pseudonym.
    pub pseudonym: String,
}

/// One change to the proposal, as a researcher asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInput {
    /// What the change is.
    pub kind: PlanChangeKind,
    /// The item changed; for an added item, its new code.
    pub code: String,
    /// The new item's code (reword).
    pub new_code: Option<String>,
    /// The new item's section (add).
    pub section: Option<String>,
    /// The new words (reword, add).
    pub text: Option<String>,
    /// Why (required to drop, reword or add; shown to the panel for rewordings and additions).
    pub reason: String,
    /// The comment an added item comes from.
    pub from_comment: Option<CommentSource>,
    /// The suggestion an added item comes from.
    pub from_suggestion: Option<SuggestionSource>,
}

/// The study and the closed round a plan follows, refused when no round may follow.
pub(crate) fn plannable(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
) -> Result<rounds::RoundRow, AppError> {
    if study.status == StudyStatus::Completed {
        return Err(AppError::Conflict(
            "the study is completed; no further round can be planned".to_owned(),
        ));
    }
    next_round::plan(conn, study, &[]).map(|(_, last)| last)
}

/// The stored changes as the rule's edits, in the order they were made.
pub(crate) fn edits_of(rows: &[PlanChangeRow]) -> Result<Vec<PlanEdit>, AppError> {
    let code = |text: &str| ItemCode::parse(text).map_err(|e| AppError::Internal(e.0));
    rows.iter()
        .map(|row| {
            let c = code(&row.item_code)?;
            let note = Some(row.reason.clone()).filter(|r| !r.is_empty());
            Ok(match row.kind {
                PlanChangeKind::Rerate => PlanEdit::Rerate { code: c },
                PlanChangeKind::Inform => PlanEdit::Inform { code: c },
                PlanChangeKind::Retire => PlanEdit::Retire { code: c },
                PlanChangeKind::Drop => PlanEdit::Drop { code: c },
                PlanChangeKind::Reword => PlanEdit::Reword {
                    code: c,
                    new_code: code(row.new_code.as_deref().unwrap_or_default())?,
                    text: row.text.clone().unwrap_or_default(),
                    note,
                },
                PlanChangeKind::Add => PlanEdit::Add {
                    code: c,
                    section: row.section.clone().unwrap_or_default(),
                    text: row.text.clone().unwrap_or_default(),
                    note,
                },
            })
        })
        .collect()
}

/// The planner's page: proposal, changes, summary and the stopping rule's state.
pub fn plan_view(app: &App, actor: &Actor, slug: &str) -> Result<PlanView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let settings = crate::studies::settings_of(&study)?;
        let last = match plannable(conn, &study) {
            Ok(last) => last,
            Err(AppError::Conflict(why)) => {
                let mut view = PlanView::blocked(why, grant.may_manage());
                if study.status != StudyStatus::Completed {
                    view.stop = summary::stop_state(conn, &study.id, &settings)?;
                }
                return Ok(view);
            }
            Err(other) => return Err(other),
        };
        let next = last.number + 1;
        let rows = plans::for_round(conn, &study.id, next)?;
        let (proposal, _) = next_round::plan(conn, &study, &[])?;
        let (plan, _) = next_round::plan(conn, &study, &edits_of(&rows)?)?;
        let all_items = items::for_study(conn, &study.id)?;
        let closed = next_round::closed_items(conn, &all_items, &last)?;
        let summary = summary::summary(conn, &study, &last, &plan, &settings)?;
        let stop = summary::stop_of(&closed, &last, &settings);
        let people = pseudonyms(conn, &study.id)?;
        let sources = sources(conn, &all_items, &last, &people)?;
        let suggestions = suggestions(conn, &study.id, &last, &rows)?;
        Ok(view::build(view::Parts {
            closed_round: last.number,
            can_manage: grant.may_manage(),
            all_items: &all_items,
            closed: &closed,
            proposal: &proposal,
            plan: &plan,
            rows: &rows,
            people: &people,
            summary,
            stop,
            sources,
            suggestions,
        }))
    })
}

/// Panellist id -> pseudonym.
fn pseudonyms(
    conn: &mut DbConnection,
    study_id: &str,
) -> Result<HashMap<String, String>, AppError> {
    Ok(panellists::for_study(conn, study_id)?
        .into_iter()
        .map(|p| (p.id, p.pseudonym))
        .collect())
}

/// Every comment of the closed round, as a possible source of a new item.
fn sources(
    conn: &mut DbConnection,
    all_items: &[items::ItemRow],
    last: &rounds::RoundRow,
    people: &HashMap<String, String>,
) -> Result<Vec<SourceLine>, AppError> {
    let codes: HashMap<&str, &str> = all_items
        .iter()
        .map(|i| (i.id.as_str(), i.code.as_str()))
        .collect();
    let mut lines: Vec<SourceLine> = responses::for_round(conn, &last.id)?
        .into_iter()
        .filter_map(|r| {
            let comment = r.comment.filter(|c| !c.trim().is_empty())?;
            Some(SourceLine {
                item: (*codes.get(r.item_id.as_str())?).to_owned(),
                pseudonym: people.get(&r.panellist_id)?.clone(),
                text: comment,
            })
        })
        .collect();
    lines.sort_by(|a, b| (&a.item, &a.pseudonym).cmp(&(&b.item, &b.pseudonym)));
    Ok(lines)
}

/// Every suggestion of the closed round, by section then pseudonym, with its writer's group
/// and the item added from it.
fn suggestions(
    conn: &mut DbConnection,
    study_id: &str,
    last: &rounds::RoundRow,
    rows: &[PlanChangeRow],
) -> Result<Vec<SuggestionLine>, AppError> {
    let groups: HashMap<String, String> = studies::groups(conn, study_id)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let people: HashMap<String, (String, String)> = panellists::for_study(conn, study_id)?
        .into_iter()
        .map(|p| {
            let group = groups.get(&p.group_id).cloned().unwrap_or_default();
            (p.id, (p.pseudonym, group))
        })
        .collect();
    let mut lines: Vec<SuggestionLine> = delphi_store::questions::open_for_round(conn, &last.id)?
        .into_iter()
        .filter_map(|answer| {
            let (pseudonym, group) = people.get(&answer.panellist_id)?.clone();
            let added_as = rows
                .iter()
                .find(|r| {
                    r.source_round_id.as_deref() == Some(last.id.as_str())
                        && r.source_panellist_id.as_deref() == Some(answer.panellist_id.as_str())
                        && r.source_section.as_deref() == Some(answer.section.as_str())
                })
                .map(|r| r.item_code.clone());
            Some(SuggestionLine {
                section: answer.section,
                pseudonym,
                group,
                text: answer.text,
                added_as,
            })
        })
        .collect();
    lines.sort_by(|a, b| (&a.section, &a.pseudonym).cmp(&(&b.section, &b.pseudonym)));
    Ok(lines)
}

/// Validates and cleans a change into the row to store.
fn row_of(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    last: &rounds::RoundRow,
    label: &str,
    input: &ChangeInput,
) -> Result<PlanChangeRow, AppError> {
    let code = ItemCode::parse(&input.code).map_err(|e| AppError::invalid("code", e.0))?;
    let reason = text::clean(TextKind::Reason, &input.reason)
        .map_err(|e| AppError::invalid("reason", e.0))?;
    let needs_reason = matches!(
        input.kind,
        PlanChangeKind::Drop | PlanChangeKind::Reword | PlanChangeKind::Add
    );
    if needs_reason && reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            format!(
                "say why ({}): the reason enters the item ledger",
                input.kind
            ),
        ));
    }
    let words = |kind: TextKind, field: &str, value: &Option<String>| -> Result<String, AppError> {
        let cleaned = text::clean(kind, value.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid(field, e.0))?;
        if cleaned.is_empty() {
            return Err(AppError::invalid(
                field,
                format!("{} is empty", kind.noun()),
            ));
        }
        Ok(cleaned)
    };
    let (mut new_code, mut section, mut text) = (None, None, None);
    match input.kind {
        PlanChangeKind::Reword => {
            let c = ItemCode::parse(input.new_code.as_deref().unwrap_or_default())
                .map_err(|e| AppError::invalid("new_code", e.0))?;
            new_code = Some(c.as_str().to_owned());
            text = Some(words(TextKind::ItemText, "text", &input.text)?);
        }
        PlanChangeKind::Add => {
            section = Some(words(TextKind::Section, "section", &input.section)?);
            text = Some(words(TextKind::ItemText, "text", &input.text)?);
        }
        _ => {}
    }
    let mut source = (None, None, None);
    if let Some(from) = &input.from_comment {
        if input.kind != PlanChangeKind::Add {
            return Err(AppError::invalid(
                "from_comment",
                "only an added item comes from a comment",
            ));
        }
        let item = items::find_by_code(conn, &study.id, &from.item)?
            .ok_or_else(|| AppError::invalid("from_comment", format!("no item {}", from.item)))?;
        let person = panellists::for_study(conn, &study.id)?
            .into_iter()
            .find(|p| p.pseudonym == from.pseudonym)
            .ok_or_else(|| {
                AppError::invalid("from_comment", format!("no panellist {}", from.pseudonym))
            })?;
        let wrote = responses::for_panellist(conn, &last.id, &person.id)?
            .iter()
            .any(|r| {
                r.item_id == item.id && r.comment.as_deref().is_some_and(|c| !c.trim().is_empty())
            });
        if !wrote {
            return Err(AppError::invalid(
                "from_comment",
                format!(
                    "{} left no comment on {} in round {}",
                    from.pseudonym, from.item, last.number
                ),
            ));
        }
        source = (Some(last.id.clone()), Some(item.id), Some(person.id));
    }
    let mut source_section = None;
    if let Some(from) = &input.from_suggestion {
        if input.kind != PlanChangeKind::Add || input.from_comment.is_some() {
            return Err(AppError::invalid(
                "from_suggestion",
                "only an added item comes from a suggestion (and from one source)",
            ));
        }
        let person = panellists::for_study(conn, &study.id)?
            .into_iter()
            .find(|p| p.pseudonym == from.pseudonym)
            .ok_or_else(|| {
                AppError::invalid(
                    "from_suggestion",
                    format!("no panellist {}", from.pseudonym),
                )
            })?;
        let wrote = delphi_store::questions::open_for_panellist(conn, &last.id, &person.id)?
            .iter()
            .any(|r| r.section == from.section);
        if !wrote {
            let place = if from.section.is_empty() {
                "the whole round".to_owned()
            } else {
                format!("section {:?}", from.section)
            };
            return Err(AppError::invalid(
                "from_suggestion",
                format!(
                    "{} made no suggestion for {place} in round {}",
                    from.pseudonym, last.number
                ),
            ));
        }
        source = (Some(last.id.clone()), None, Some(person.id));
        source_section = Some(from.section.clone());
    }
    Ok(PlanChangeRow {
        study_id: study.id.clone(),
        round_number: last.number + 1,
        item_code: code.as_str().to_owned(),
        kind: input.kind,
        new_code,
        section,
        text,
        reason,
        source_round_id: source.0,
        source_item_id: source.1,
        source_panellist_id: source.2,
        decided_by: label.to_owned(),
        decided_at: delphi_store::now(),
        source_section,
    })
}

/// Records a change to the proposal (replacing an earlier change of the same item), after
/// checking that the whole plan still holds with it. Refused while a round is open.
pub fn change(app: &App, actor: &Actor, slug: &str, input: &ChangeInput) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let last = plannable(conn, &study)?;
        let row = row_of(conn, &study, &last, &grant.label, input)?;
        let mut rows: Vec<PlanChangeRow> = plans::for_round(conn, &study.id, row.round_number)?
            .into_iter()
            .filter(|r| r.item_code != row.item_code)
            .collect();
        rows.push(row.clone());
        next_round::plan(conn, &study, &edits_of(&rows)?)?;
        plans::put(conn, &row)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "plan.changed",
            serde_json::json!({
                "round": row.round_number,
                "change": row.kind,
                "item": row.item_code,
                "new_code": row.new_code,
                "text": row.text,
                "reason": row.reason,
                "from_comment": input.from_comment.as_ref().map(|c| format!("{} by {}", c.item, c.pseudonym)),
                "from_suggestion": input.from_suggestion.as_ref().map(|s| format!("{:?} by {}", s.section, s.pseudonym)),
            }),
        )
    })
}

/// Takes back the change of one item (the rule's proposal applies again).
pub fn undo(app: &App, actor: &Actor, slug: &str, code: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let last = plannable(conn, &study)?;
        let round = last.number + 1;
        if !plans::remove(conn, &study.id, round, code)? {
            return Err(AppError::invalid(
                "code",
                format!("item {code} has no change to take back"),
            ));
        }
        let rows = plans::for_round(conn, &study.id, round)?;
        next_round::plan(conn, &study, &edits_of(&rows)?)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "plan.change_undone",
            serde_json::json!({"round": round, "item": code}),
        )
    })
}

/// Opens the next round from the stored changes, in one transaction: items reworded, added,
/// dropped and retired with their reasons in the item ledger, invitations queued.
pub fn open(
    app: &App,
    actor: &Actor,
    slug: &str,
    options: &RoundOptions,
) -> Result<OpenedRound, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let last = plannable(conn, &study)?;
        let rows = plans::for_round(conn, &study.id, last.number + 1)?;
        let (opened, plan) =
            next_round::open_in(conn, &study, &grant.label, &edits_of(&rows)?, options)?;
        let reasons: HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.item_code.as_str(), r.reason.as_str()))
            .collect();
        let left = plan.dropped.iter().chain(&plan.retired);
        for code in left {
            let reason = match reasons.get(code.as_str()).filter(|r| !r.is_empty()) {
                Some(reason) => (*reason).to_owned(),
                None => format!("Consensus reached in round {}", last.number),
            };
            if let Some(item) = items::find_by_code(conn, &study.id, code.as_str())? {
                items::set_status_reason(conn, &item.id, &reason)?;
            }
        }
        Ok(opened)
    })
}

/// The whole-panel verdict of a closed item.
pub(crate) fn verdict_of(item: &ClosedItem) -> Verdict {
    item.classification.verdict()
}

/// The rule's own proposal for one closed item.
pub(crate) fn proposal_of(item: &ClosedItem, proposal: &NextRoundPlan) -> Outcome {
    match proposal.items.iter().find(|p| p.code() == &item.code) {
        Some(PlannedItem::ForInformation(_)) => Outcome::ForInformation,
        Some(_) => Outcome::Carry,
        None => Outcome::Retire,
    }
}
