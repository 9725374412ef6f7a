//! The planner's summary (counts, invitations, warnings) and the stopping rule's state.

use std::collections::BTreeSet;

use delphi_core::lifecycle::{Disposition, RoundStatus};
use delphi_core::planning::{ClosedItem, NextRoundPlan};
use delphi_core::settings::LaterRoundInvitations;
use delphi_core::stopping::{self, StopReason};
use delphi_store::{items, panellists, rounds, studies, DbConnection};

use super::PlanSummary;
use crate::{next_round, AppError};

/// What the stopping rule says after the closed round `last` (`None`: go on). Stability is
/// not part of it here: the stored results carry no Scheibe change.
pub(super) fn stop_of(
    closed: &[ClosedItem],
    last: &rounds::RoundRow,
    settings: &delphi_core::StudySettings,
) -> Option<String> {
    let verdicts: Vec<_> = closed
        .iter()
        .filter(|c| c.disposition != Disposition::ForInformation)
        .map(|c| c.classification.clone())
        .collect();
    stopping::should_stop(&settings.stopping, last.number as u32, &verdicts, None).map(stop_words)
}

/// The stopping rule's state when the latest round is closed.
pub(super) fn stop_state(
    conn: &mut DbConnection,
    study_id: &str,
    settings: &delphi_core::StudySettings,
) -> Result<Option<String>, AppError> {
    let Some(last) = rounds::latest(conn, study_id)?.filter(|r| r.status == RoundStatus::Closed)
    else {
        return Ok(None);
    };
    let all_items = items::for_study(conn, study_id)?;
    let closed = next_round::closed_items(conn, &all_items, &last)?;
    Ok(stop_of(&closed, &last, settings))
}

/// The stopping rule's state in words.
fn stop_words(reason: StopReason) -> String {
    match reason {
        StopReason::MaxRounds(n) => format!("maximum rounds reached ({n})"),
        StopReason::AllClassified => "all items classified".to_owned(),
        StopReason::Stable { max_change_pct } => {
            format!("stable (largest change {max_change_pct:.1}%)")
        }
    }
}

/// The counts before opening, and a warning when few are invited.
pub(super) fn summary(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    last: &rounds::RoundRow,
    plan: &NextRoundPlan,
    settings: &delphi_core::StudySettings,
) -> Result<PlanSummary, AppError> {
    let count = |d: Disposition| plan.items.iter().filter(|i| i.disposition() == d).count();
    let invited =
        next_round::invitees(conn, &study.id, &last.id, settings.later_round_invitations)?;
    let everyone = panellists::for_study(conn, &study.id)?;
    let active = everyone.iter().filter(|p| p.withdrawn_at.is_none()).count();
    let withdrawn = everyone.len() - active;
    let not_invited = active - invited.len();
    let mut s = PlanSummary {
        items: plan.items.len(),
        carried: count(Disposition::Carried),
        for_information: count(Disposition::ForInformation),
        new: count(Disposition::New),
        reworded: count(Disposition::Reworded),
        retired: plan.retired.len(),
        dropped: plan.dropped.len(),
        invited: invited.len(),
        not_invited,
        withdrawn,
        text: String::new(),
        warnings: Vec::new(),
        invitees: invited.iter().map(|p| p.pseudonym.clone()).collect(),
    };
    let mut parts = vec![format!("{} carried", s.carried)];
    if s.for_information > 0 {
        parts.push(format!("{} for information", s.for_information));
    }
    parts.push(format!("{} new", s.new));
    parts.push(format!("{} reworded", s.reworded));
    let mut people = format!("{} invited", s.invited);
    if not_invited > 0 {
        let why = match settings.later_round_invitations {
            LaterRoundInvitations::PreviousResponders => {
                format!(" because they did not answer round {}", last.number)
            }
            LaterRoundInvitations::AllActive => String::new(),
        };
        people.push_str(&format!(", {not_invited} not invited{why}"));
    }
    if withdrawn > 0 {
        people.push_str(&format!(", {withdrawn} withdrawn"));
    }
    s.text = format!("{} items: {}; {people}", s.items, parts.join(", "));
    let needed = settings.consensus.min_n_for_classification as usize;
    if s.invited < needed {
        s.warnings.push(format!(
            "Only {} panellists are invited: fewer than the {needed} ratings an item needs to be classified.",
            s.invited
        ));
    }
    let invited_groups: BTreeSet<&str> = invited.iter().map(|p| p.group_id.as_str()).collect();
    for group in studies::groups(conn, &study.id)? {
        if !invited_groups.contains(group.id.as_str()) {
            s.warnings
                .push(format!("Nobody from the group {} is invited.", group.name));
        }
    }
    if s.items == 0 || s.items == s.for_information {
        s.warnings.push("The round has no item to rate.".to_owned());
    }
    Ok(s)
}
