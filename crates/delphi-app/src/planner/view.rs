//! The planner's read model: one line per item of the round just closed (the rule's
//! proposal, the researcher's change, the outcome), the added items, the summary.

use std::collections::HashMap;

use delphi_core::planning::{ClosedItem, NextRoundPlan, PlannedItem};
use delphi_core::states::{PlanChangeKind, Verdict};
use delphi_store::items::ItemRow;
use delphi_store::plans::PlanChangeRow;
use serde::Serialize;

/// What happens to an item of the closed round in the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Asked again.
    Carry,
    /// Shown for information, not rated.
    ForInformation,
    /// Retired (reached consensus).
    Retire,
    /// Dropped by the researcher.
    Drop,
    /// Replaced by a new wording.
    Reword,
}

impl Outcome {
    /// The words a researcher reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Carry => "carry (ask again)",
            Self::ForInformation => "keep for information",
            Self::Retire => "retire",
            Self::Drop => "drop",
            Self::Reword => "reword",
        }
    }
}

/// A researcher's change, as the planner shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    /// What the change is.
    pub kind: PlanChangeKind,
    /// Why.
    pub reason: String,
    /// The new code (reword).
    pub new_code: Option<String>,
    /// The new words (reword, add).
    pub text: Option<String>,
    /// Who decided.
    pub decided_by: String,
}

/// One item of the round just closed.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    /// Code.
    pub code: String,
    /// Words.
    pub text: String,
    /// Section.
    pub section: String,
    /// Whole-panel classification in the closed round.
    pub verdict: Verdict,
    /// The classification in words.
    pub verdict_label: &'static str,
    /// What the rule proposes.
    pub proposal: Outcome,
    /// The proposal in words.
    pub proposal_label: &'static str,
    /// What will happen, after the researcher's change.
    pub outcome: Outcome,
    /// The outcome in words.
    pub outcome_label: &'static str,
    /// Whether it reached consensus (or was shown for information): only such an item may
    /// be retired or kept for information.
    pub resolved: bool,
    /// The researcher's change, if any.
    pub change: Option<ChangeLine>,
}

/// An item added for the next round.
#[derive(Debug, Clone, Serialize)]
pub struct AddedLine {
    /// Its code.
    pub code: String,
    /// Section.
    pub section: String,
    /// Words.
    pub text: String,
    /// Why (shown to the panel).
    pub reason: String,
    /// The comment it came from, as "A2, comment by P003".
    pub from_comment: Option<String>,
}

/// A comment of the closed round that a new item may come from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLine {
    /// The item it was written on.
    pub item: String,
    /// Its writer's pseudonym.
    pub pseudonym: String,
    /// The comment as written.
    pub text: String,
}

/// A suggestion of the closed round (round 1's "is anything missing?") that a new item may
/// come from.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionLine {
    /// The section it was written for (`""`: the whole round).
    pub section: String,
    /// Its writer's pseudonym.
    pub pseudonym: String,
    /// Its writer's stakeholder group.
    pub group: String,
    /// The suggestion as written.
    pub text: String,
    /// The code of the item added from it, if any.
    pub added_as: Option<String>,
}

/// The counts before opening.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanSummary {
    /// Items in the next round.
    pub items: usize,
    /// Carried (asked again).
    pub carried: usize,
    /// Shown for information.
    pub for_information: usize,
    /// New.
    pub new: usize,
    /// Reworded.
    pub reworded: usize,
    /// Retired.
    pub retired: usize,
    /// Dropped.
    pub dropped: usize,
    /// Panellists invited.
    pub invited: usize,
    /// Active panellists not invited.
    pub not_invited: usize,
    /// Panellists who withdrew.
    pub withdrawn: usize,
    /// The summary in one sentence ("31 items: 24 carried, 1 new, 2 reworded; 30 invited,
    /// 10 not invited because they did not answer round 1").
    pub text: String,
    /// Warnings (few invited, a group without anyone invited, nothing to rate).
    pub warnings: Vec<String>,
    /// The pseudonyms of those invited (whom the round may be previewed as).
    pub invitees: Vec<String>,
}

/// The planner's page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanView {
    /// Why no round can be planned now (a round is open, the study is completed, the
    /// protocol's last round is done); nothing else is filled in then.
    pub blocked: Option<String>,
    /// Whether the caller may change the plan.
    pub can_manage: bool,
    /// The round just closed.
    pub closed_round: i32,
    /// The round being planned.
    pub next_round: i32,
    /// Items of the closed round.
    pub items: Vec<PlanLine>,
    /// Items added.
    pub added: Vec<AddedLine>,
    /// Counts and warnings.
    pub summary: PlanSummary,
    /// The stopping rule's state, when it says the study may stop.
    pub stop: Option<String>,
    /// Comments a new item may come from.
    pub sources: Vec<SourceLine>,
    /// Suggestions a new item may come from, by section.
    pub suggestions: Vec<SuggestionLine>,
}

impl PlanView {
    /// A planner that cannot plan, saying why.
    pub(super) fn blocked(why: String, can_manage: bool) -> Self {
        Self {
            blocked: Some(why),
            can_manage,
            ..Self::default()
        }
    }
}

/// What [`build`] puts together.
pub(super) struct Parts<'a> {
    pub closed_round: i32,
    pub can_manage: bool,
    pub all_items: &'a [ItemRow],
    pub closed: &'a [ClosedItem],
    pub proposal: &'a NextRoundPlan,
    pub plan: &'a NextRoundPlan,
    pub rows: &'a [PlanChangeRow],
    pub people: &'a HashMap<String, String>,
    pub summary: PlanSummary,
    pub stop: Option<String>,
    pub sources: Vec<SourceLine>,
    pub suggestions: Vec<SuggestionLine>,
}

/// The planner's page from its parts.
pub(super) fn build(p: Parts<'_>) -> PlanView {
    let by_code: HashMap<&str, &ItemRow> =
        p.all_items.iter().map(|i| (i.code.as_str(), i)).collect();
    let by_id: HashMap<&str, &ItemRow> = p.all_items.iter().map(|i| (i.id.as_str(), i)).collect();
    let changes: HashMap<&str, &PlanChangeRow> =
        p.rows.iter().map(|r| (r.item_code.as_str(), r)).collect();
    let outcome_of = |closed: &ClosedItem| {
        if p.plan.dropped.contains(&closed.code) {
            return Outcome::Drop;
        }
        match p.plan.items.iter().find(|i| match i {
            PlannedItem::Reword { replaces, .. } => replaces == &closed.code,
            other => other.code() == &closed.code,
        }) {
            Some(PlannedItem::Reword { .. }) => Outcome::Reword,
            Some(PlannedItem::ForInformation(_)) => Outcome::ForInformation,
            Some(_) => Outcome::Carry,
            None => Outcome::Retire,
        }
    };
    let items = p
        .closed
        .iter()
        .map(|closed| {
            let item = by_code.get(closed.code.as_str());
            let verdict = super::verdict_of(closed);
            let proposal = super::proposal_of(closed, p.proposal);
            let outcome = outcome_of(closed);
            PlanLine {
                code: closed.code.as_str().to_owned(),
                text: item.map(|i| i.text.clone()).unwrap_or_default(),
                section: item.map(|i| i.section.clone()).unwrap_or_default(),
                verdict,
                verdict_label: verdict.label(),
                proposal,
                proposal_label: proposal.label(),
                outcome,
                outcome_label: outcome.label(),
                resolved: delphi_core::planning::resolved(closed),
                change: changes.get(closed.code.as_str()).map(|r| ChangeLine {
                    kind: r.kind,
                    reason: r.reason.clone(),
                    new_code: r.new_code.clone(),
                    text: r.text.clone(),
                    decided_by: r.decided_by.clone(),
                }),
            }
        })
        .collect();
    let added = p
        .rows
        .iter()
        .filter(|r| r.kind == PlanChangeKind::Add)
        .map(|r| AddedLine {
            code: r.item_code.clone(),
            section: r.section.clone().unwrap_or_default(),
            text: r.text.clone().unwrap_or_default(),
            reason: r.reason.clone(),
            from_comment: match (&r.source_item_id, &r.source_panellist_id, &r.source_section) {
                (Some(item), Some(person), _) => Some(format!(
                    "{}, comment by {}",
                    by_id.get(item.as_str()).map_or("?", |i| i.code.as_str()),
                    p.people.get(person).map_or("?", String::as_str)
                )),
                (None, Some(person), Some(section)) => Some(format!(
                    "suggestion by {} ({})",
                    p.people.get(person).map_or("?", String::as_str),
                    if section.is_empty() {
                        "whole round"
                    } else {
                        section.as_str()
                    }
                )),
                _ => None,
            },
        })
        .collect();
    PlanView {
        blocked: None,
        can_manage: p.can_manage,
        closed_round: p.closed_round,
        next_round: p.closed_round + 1,
        items,
        added,
        summary: p.summary,
        stop: p.stop,
        sources: p.sources,
        suggestions: p.suggestions,
    }
}
