//! Planning and opening the next round: the rule proposes (unresolved items carry,
//! consensus items retire or stay for information), the researcher edits (drop, reword,
//! add), and the round opens with invitations that say what changed.

use std::collections::{BTreeSet, HashMap};

use delphi_core::lifecycle::{Disposition, ItemOrigin, ItemStatus, RoundStatus};
use delphi_core::planning::{self, ClosedItem, NextRoundPlan, PlanEdit, PlannedItem};
use delphi_core::settings::LaterRoundInvitations;
use delphi_core::values::ItemCode;
use delphi_store::{
    items, panellists, read_tx, responses, results, rounds, studies, write_tx, DbConnection,
};

use crate::access::{self, Actor, Permission};
use crate::opening::{open_round_with, OpenedRound, RoundOptions};
use crate::{audit, App, AppError};

/// The proposal for the next round, after the researcher's edits, without changing anything.
pub fn preview(
    app: &App,
    actor: &Actor,
    slug: &str,
    edits: &[PlanEdit],
) -> Result<NextRoundPlan, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        plan(conn, &study, edits).map(|(plan, _)| plan)
    })
}

/// The plan after `edits`, with the closed round it follows; refused while a round is open
/// or when the protocol allows no further round.
pub(crate) fn plan(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    edits: &[PlanEdit],
) -> Result<(NextRoundPlan, rounds::RoundRow), AppError> {
    let study_id = study.id.as_str();
    let settings = crate::studies::settings_of(study)?;
    let last = rounds::latest(conn, study_id)?
        .ok_or_else(|| AppError::Conflict("round 1 has not opened yet".to_owned()))?;
    if last.status != RoundStatus::Closed {
        return Err(AppError::Conflict(format!(
            "round {} is still open; close it first",
            last.number
        )));
    }
    if last.number as u32 >= settings.stopping.max_rounds {
        return Err(AppError::Conflict(format!(
            "the protocol allows at most {} rounds; amend the stopping rule (with a reason) to add another",
            settings.stopping.max_rounds
        )));
    }
    let all_items = items::for_study(conn, study_id)?;
    let closed = closed_items(conn, &all_items, &last)?;
    let existing: BTreeSet<ItemCode> = all_items
        .iter()
        .filter_map(|i| ItemCode::parse(&i.code).ok())
        .collect();
    let plan =
        planning::plan_next_round(&closed, settings.feedback.consensus_items, edits, &existing)
            .map_err(|e| AppError::invalid("plan", e.0))?;
    Ok((plan, last))
}

/// The items of the closed round `last` with their whole-panel classification.
pub(crate) fn closed_items(
    conn: &mut DbConnection,
    all_items: &[items::ItemRow],
    last: &rounds::RoundRow,
) -> Result<Vec<ClosedItem>, AppError> {
    let by_id: HashMap<&str, &items::ItemRow> =
        all_items.iter().map(|i| (i.id.as_str(), i)).collect();
    let classifications: HashMap<String, _> = results::for_round(conn, &last.id)?
        .into_iter()
        .filter(|r| r.group_code == results::ALL_GROUPS)
        .filter_map(|r| Some((r.item_id, r.result.classification?)))
        .collect();
    let mut closed = Vec::new();
    for round_item in rounds::items(conn, &last.id)? {
        let item = by_id.get(round_item.item_id.as_str()).ok_or_else(|| {
            AppError::Internal("a round item points at a missing item".to_owned())
        })?;
        closed.push(ClosedItem {
            code: ItemCode::parse(&item.code).map_err(|e| AppError::Internal(e.0))?,
            classification: classifications
                .get(&item.id)
                .cloned()
                .unwrap_or(delphi_core::Classification::None),
            disposition: round_item.disposition,
        });
    }
    Ok(closed)
}

/// Applies the plan and opens the next round, in one transaction.
#[tracing::instrument(skip_all, fields(study_id))]
pub fn open_next_round(
    app: &App,
    actor: &Actor,
    slug: &str,
    edits: &[PlanEdit],
    options: &RoundOptions,
) -> Result<OpenedRound, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        open_in(conn, &study, &grant.label, edits, options).map(|(opened, _)| opened)
    })
}

/// [`open_next_round`] inside the caller's transaction, for a caller already let in; also
/// returns the plan that was applied.
pub(crate) fn open_in(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    label: &str,
    edits: &[PlanEdit],
    options: &RoundOptions,
) -> Result<(OpenedRound, NextRoundPlan), AppError> {
    {
        let study_id = study.id.as_str();
        let (plan, last) = plan(conn, study, edits)?;
        let settings = crate::studies::settings_of(study)?;
        let number = last.number + 1;
        let now = delphi_store::now();
        let find = |conn: &mut DbConnection, code: &ItemCode| {
            items::find_by_code(conn, study_id, code.as_str())?
                .ok_or_else(|| AppError::Internal(format!("item {code} vanished")))
        };
        for code in &plan.retired {
            let item = find(conn, code)?;
            items::set_status(conn, &item.id, ItemStatus::Retired)?;
        }
        for code in &plan.dropped {
            let item = find(conn, code)?;
            items::set_status(conn, &item.id, ItemStatus::Dropped)?;
        }
        let mut round_items = Vec::new();
        let mut ledger = Vec::new();
        for (offset, planned) in plan.items.iter().enumerate() {
            let created_at = now + chrono::Duration::microseconds(offset as i64);
            match planned {
                PlannedItem::Carry(code) | PlannedItem::ForInformation(code) => {
                    let item = find(conn, code)?;
                    round_items.push((item.id, planned.disposition()));
                }
                PlannedItem::Reword {
                    replaces,
                    code,
                    text,
                    note,
                } => {
                    let old = find(conn, replaces)?;
                    let id = crate::new_id();
                    items::insert_many(
                        conn,
                        &[items::ItemRow {
                            id: id.clone(),
                            study_id: study_id.to_owned(),
                            code: code.as_str().to_owned(),
                            text: text.clone(),
                            section: old.section.clone(),
                            origin: ItemOrigin::Reworded,
                            origin_round: Some(number),
                            replaces_id: Some(old.id.clone()),
                            change_note: note.clone(),
                            status: ItemStatus::Active,
                            created_at,
                            status_reason: None,
                        }],
                    )?;
                    items::set_status(conn, &old.id, ItemStatus::Replaced)?;
                    ledger.push(LedgerEntry {
                        change: ItemOrigin::Reworded,
                        code: code.as_str().to_owned(),
                        replaces: Some(replaces.as_str().to_owned()),
                    });
                    round_items.push((id, Disposition::Reworded));
                }
                PlannedItem::Add {
                    code,
                    section,
                    text,
                    note,
                } => {
                    let id = crate::new_id();
                    items::insert_many(
                        conn,
                        &[items::ItemRow {
                            id: id.clone(),
                            study_id: study_id.to_owned(),
                            code: code.as_str().to_owned(),
                            text: text.clone(),
                            section: section.clone(),
                            origin: ItemOrigin::Added,
                            origin_round: Some(number),
                            replaces_id: None,
                            change_note: note.clone(),
                            status: ItemStatus::Active,
                            created_at,
                            status_reason: None,
                        }],
                    )?;
                    ledger.push(LedgerEntry {
                        change: ItemOrigin::Added,
                        code: code.as_str().to_owned(),
                        replaces: None,
                    });
                    round_items.push((id, Disposition::New));
                }
            }
        }
        let invited = invitees(conn, &study.id, &last.id, settings.later_round_invitations)?;
        let changes = serde_json::json!({
            "retired": plan.retired.len(),
            "dropped": plan.dropped.len(),
            "reworded": ledger.iter().filter(|l| l.change == ItemOrigin::Reworded).count(),
            "added": ledger.iter().filter(|l| l.change == ItemOrigin::Added).count(),
            "asked": round_items.iter().filter(|(_, d)| *d != Disposition::ForInformation).count(),
        });
        let opened = open_round_with(
            conn,
            study,
            label,
            number,
            &round_items,
            &invited,
            options,
            changes.clone(),
        )?;
        audit::record(
            conn,
            study_id,
            label,
            "round.planned",
            serde_json::json!({"round": number, "ledger": ledger, "summary": changes}),
        )?;
        Ok((opened, plan))
    }
}

/// One new item of the next round, as the audit log records it.
#[derive(Debug, serde::Serialize)]
struct LedgerEntry {
    change: ItemOrigin,
    code: String,
    replaces: Option<String>,
}

/// Who is invited to a later round.
pub(crate) fn invitees(
    conn: &mut DbConnection,
    study_id: &str,
    previous_round_id: &str,
    policy: LaterRoundInvitations,
) -> Result<Vec<panellists::PanellistRow>, AppError> {
    let active = panellists::for_study(conn, study_id)?
        .into_iter()
        .filter(|p| p.withdrawn_at.is_none());
    Ok(match policy {
        LaterRoundInvitations::AllActive => active.collect(),
        LaterRoundInvitations::PreviousResponders => {
            let submitted: BTreeSet<String> = rounds::participations(conn, previous_round_id)?
                .into_iter()
                .filter(|p| p.submitted_at.is_some())
                .map(|p| p.panellist_id)
                .collect();
            let answered: BTreeSet<String> = responses::for_round(conn, previous_round_id)?
                .into_iter()
                .filter(|r| r.rating.is_some() || r.unable_to_rate)
                .map(|r| r.panellist_id)
                .collect();
            active
                .filter(|p| submitted.contains(&p.id) || answered.contains(&p.id))
                .collect()
        }
    })
}
