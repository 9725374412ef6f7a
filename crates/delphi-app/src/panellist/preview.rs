//! The next round's page as a chosen panellist will see it, before the round opens: the
//! planned items (reworded and added ones included) with the feedback of the round just
//! closed. Read-only: nothing is stored, no link is issued or changed.

use std::collections::HashMap;

use delphi_core::lifecycle::{Disposition, RoundStatus};
use delphi_core::planning::PlannedItem;
use delphi_store::{items, panellists, plans, read_tx, rounds};

use super::feedback::ResultsCache;
use super::ledger::Left;
use super::load::{round_view, study_info, RoundParts};
use super::view::{PageState, PanellistPage};
use crate::access::{self, Actor, Permission};
use crate::{next_round, App, AppError};

/// The id given to items that exist only in the plan.
const PLANNED: &str = "planned:";

/// The page the panellist `pseudonym` will see when the next round opens with the plan as
/// it stands (the stored changes of [`crate::planner`]).
pub fn preview(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
) -> Result<PanellistPage, AppError> {
    let mut conn = app.conn()?;
    let cache: &ResultsCache = &app.results;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        let last = crate::planner::plannable(conn, &study)?;
        let rows = plans::for_round(conn, &study.id, last.number + 1)?;
        let (plan, _) = next_round::plan(conn, &study, &crate::planner::edits_of(&rows)?)?;
        let person = panellists::for_study(conn, &study.id)?
            .into_iter()
            .find(|p| p.pseudonym == pseudonym)
            .ok_or_else(|| {
                AppError::invalid(
                    "panellist",
                    format!("this study has no panellist {pseudonym}"),
                )
            })?;
        let mut all_items: HashMap<String, items::ItemRow> = items::for_study(conn, &study.id)?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let by_code: HashMap<String, items::ItemRow> = all_items
            .values()
            .map(|i| (i.code.clone(), i.clone()))
            .collect();
        let find = |code: &str| {
            by_code
                .get(code)
                .cloned()
                .ok_or_else(|| AppError::Internal(format!("item {code} vanished")))
        };
        let now = delphi_store::now();
        let mut round_items = Vec::new();
        for planned in &plan.items {
            let (item, disposition) = match planned {
                PlannedItem::Carry(code) | PlannedItem::ForInformation(code) => {
                    (find(code.as_str())?, planned.disposition())
                }
                PlannedItem::Reword {
                    replaces,
                    code,
                    text,
                    note,
                } => {
                    let old = find(replaces.as_str())?;
                    let item = items::ItemRow {
                        id: format!("{PLANNED}{code}"),
                        code: code.as_str().to_owned(),
                        text: text.clone(),
                        replaces_id: Some(old.id.clone()),
                        change_note: note.clone(),
                        ..old
                    };
                    (item, Disposition::Reworded)
                }
                PlannedItem::Add {
                    code,
                    section,
                    text,
                    note,
                } => {
                    let item = items::ItemRow {
                        id: format!("{PLANNED}{code}"),
                        study_id: study.id.clone(),
                        code: code.as_str().to_owned(),
                        text: text.clone(),
                        section: section.clone(),
                        origin: delphi_core::lifecycle::ItemOrigin::Added,
                        origin_round: Some(last.number + 1),
                        replaces_id: None,
                        change_note: note.clone(),
                        status: delphi_core::lifecycle::ItemStatus::Active,
                        created_at: now,
                        status_reason: None,
                    };
                    (item, Disposition::New)
                }
            };
            round_items.push((item.id.clone(), disposition));
            all_items.insert(item.id.clone(), item);
        }
        // What leaves is only planned: the plan names it, the stored changes give the reasons.
        let reasons: HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.item_code.as_str(), r.reason.as_str()))
            .filter(|(_, reason)| !reason.is_empty())
            .collect();
        let before: Vec<String> = rounds::items(conn, &last.id)?
            .into_iter()
            .map(|ri| ri.item_id)
            .collect();
        let ledger = super::ledger::build(last.number, &before, &round_items, &all_items, |item| {
            let reason = |default: String| {
                reasons
                    .get(item.code.as_str())
                    .map_or(default, |r| (*r).to_owned())
            };
            if plan.retired.iter().any(|c| c.as_str() == item.code) {
                Some(Left::Agreed(reason(format!(
                    "Consensus reached in round {}",
                    last.number
                ))))
            } else if plan.dropped.iter().any(|c| c.as_str() == item.code) {
                Some(Left::Dropped(reason(String::new())))
            } else {
                None
            }
        });
        let round = rounds::RoundRow {
            id: format!("{PLANNED}round"),
            study_id: study.id.clone(),
            number: last.number + 1,
            status: RoundStatus::Draft,
            instructions: String::new(),
            deadline: None,
            opened_at: None,
            closed_at: None,
            created_at: now,
        };
        let mut view = round_view(
            conn,
            cache,
            &study,
            RoundParts {
                round: &round,
                all_items: &all_items,
                round_items: &round_items,
                ledger: Some(ledger),
            },
            Some(&last),
            &person,
            None,
        )?;
        // A preview links nowhere of the panellist's.
        view.background_pending = false;
        Ok(PanellistPage {
            study: study_info(&study, &person),
            state: PageState::Rating(Box::new(view)),
            first_open: false,
        })
    })
}
