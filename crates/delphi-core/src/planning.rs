//! Next-round planning: the rule proposes, the researcher edits.

use std::collections::{BTreeSet, HashMap};

use crate::lifecycle::Disposition;
use crate::rule::Classification;
use crate::settings::ConsensusItemPolicy;
use crate::values::ItemCode;

/// One item of the round just closed, with its classification.
#[derive(Debug, Clone)]
pub struct ClosedItem {
    /// The item.
    pub code: ItemCode,
    /// Its classification in the closed round.
    pub classification: Classification,
    /// How it was shown in that round (items shown for information were not rated).
    pub disposition: Disposition,
}

/// A change the researcher makes to the proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEdit {
    /// Do not ask this item again.
    Drop {
        /// The item.
        code: ItemCode,
    },
    /// Ask it again although it reached consensus.
    Rerate {
        /// The item.
        code: ItemCode,
    },
    /// Show it for information only (it reached consensus, or was shown so last time).
    Inform {
        /// The item.
        code: ItemCode,
    },
    /// Retire it (it reached consensus): not shown again.
    Retire {
        /// The item.
        code: ItemCode,
    },
    /// Replace the item by new words under a new code.
    Reword {
        /// The item being reworded.
        code: ItemCode,
        /// The new item's code.
        new_code: ItemCode,
        /// The new words.
        text: String,
        /// Why it changed (shown to the panel in the item ledger).
        note: Option<String>,
    },
    /// A new item (e.g. suggested in comments).
    Add {
        /// Its code.
        code: ItemCode,
        /// Its section.
        section: String,
        /// Its words.
        text: String,
        /// Where it came from (shown to the panel).
        note: Option<String>,
    },
}

/// What happens to an item in the next round.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedItem {
    /// Asked again (unresolved, or re-rated by choice).
    Carry(ItemCode),
    /// Shown for information only.
    ForInformation(ItemCode),
    /// A new wording replacing `replaces`.
    Reword {
        /// The old item.
        replaces: ItemCode,
        /// The new item's code.
        code: ItemCode,
        /// The new words.
        text: String,
        /// Why.
        note: Option<String>,
    },
    /// A new item.
    Add {
        /// Its code.
        code: ItemCode,
        /// Its section.
        section: String,
        /// Its words.
        text: String,
        /// Where it came from.
        note: Option<String>,
    },
}

impl PlannedItem {
    /// The code the item has in the next round.
    pub fn code(&self) -> &ItemCode {
        match self {
            Self::Carry(code) | Self::ForInformation(code) => code,
            Self::Reword { code, .. } | Self::Add { code, .. } => code,
        }
    }

    /// How the item appears in the next round.
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Carry(_) => Disposition::Carried,
            Self::ForInformation(_) => Disposition::ForInformation,
            Self::Reword { .. } => Disposition::Reworded,
            Self::Add { .. } => Disposition::New,
        }
    }
}

/// The next round's items, and what left the study.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NextRoundPlan {
    /// Items of the next round, in order.
    pub items: Vec<PlannedItem>,
    /// Items retired because they reached consensus.
    pub retired: Vec<ItemCode>,
    /// Items the researcher dropped.
    pub dropped: Vec<ItemCode>,
}

/// A plan edit that cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanningError(pub String);

/// Whether the rule counts an item as settled: it reached consensus, or it was only shown
/// for information.
pub fn resolved(item: &ClosedItem) -> bool {
    item.classification.is_resolved() || item.disposition == Disposition::ForInformation
}

/// Proposes the next round from the closed one and applies the researcher's edits.
///
/// `existing_codes` are all codes the study has used (a new code must not reuse one).
pub fn plan_next_round(
    closed: &[ClosedItem],
    policy: ConsensusItemPolicy,
    edits: &[PlanEdit],
    existing_codes: &BTreeSet<ItemCode>,
) -> Result<NextRoundPlan, PlanningError> {
    let mut plan: Vec<Option<PlannedItem>> = closed
        .iter()
        .map(|item| {
            Some(match (resolved(item), policy) {
                (false, _) | (true, ConsensusItemPolicy::Rerate) => {
                    PlannedItem::Carry(item.code.clone())
                }
                (true, ConsensusItemPolicy::ForInformation) => {
                    PlannedItem::ForInformation(item.code.clone())
                }
                (true, ConsensusItemPolicy::Retire) => return None,
            })
        })
        .collect();
    let index: HashMap<&ItemCode, usize> = closed
        .iter()
        .enumerate()
        .map(|(i, it)| (&it.code, i))
        .collect();
    let mut dropped = Vec::new();
    let mut added = Vec::new();
    let mut new_codes: BTreeSet<ItemCode> = BTreeSet::new();
    let mut touched: BTreeSet<ItemCode> = BTreeSet::new();
    let mut claim_code = |code: &ItemCode| -> Result<(), PlanningError> {
        if existing_codes.contains(code) || !new_codes.insert(code.clone()) {
            return Err(PlanningError(format!(
                "the code {code} is already used in this study"
            )));
        }
        Ok(())
    };
    for edit in edits {
        let target = match edit {
            PlanEdit::Drop { code }
            | PlanEdit::Rerate { code }
            | PlanEdit::Inform { code }
            | PlanEdit::Retire { code }
            | PlanEdit::Reword { code, .. } => Some(code),
            PlanEdit::Add { .. } => None,
        };
        let slot = match target {
            Some(code) => {
                let Some(&i) = index.get(code) else {
                    return Err(PlanningError(format!(
                        "item {code} was not in the round just closed"
                    )));
                };
                if !touched.insert(code.clone()) {
                    return Err(PlanningError(format!(
                        "item {code} has more than one change"
                    )));
                }
                Some(i)
            }
            None => None,
        };
        match (edit, slot) {
            (PlanEdit::Drop { code }, Some(i)) => {
                plan[i] = None;
                dropped.push(code.clone());
            }
            (PlanEdit::Rerate { code }, Some(i)) => {
                plan[i] = Some(PlannedItem::Carry(code.clone()))
            }
            (PlanEdit::Inform { code } | PlanEdit::Retire { code }, Some(i)) => {
                if !resolved(&closed[i]) {
                    return Err(PlanningError(format!(
                        "item {code} did not reach consensus: carry it, reword it or drop it with a reason"
                    )));
                }
                plan[i] = matches!(edit, PlanEdit::Inform { .. })
                    .then(|| PlannedItem::ForInformation(code.clone()));
            }
            (
                PlanEdit::Reword {
                    code,
                    new_code,
                    text,
                    note,
                },
                Some(i),
            ) => {
                claim_code(new_code)?;
                if text.trim().is_empty() {
                    return Err(PlanningError(format!("the new wording of {code} is empty")));
                }
                plan[i] = Some(PlannedItem::Reword {
                    replaces: code.clone(),
                    code: new_code.clone(),
                    text: text.trim().to_owned(),
                    note: note.clone(),
                });
            }
            (
                PlanEdit::Add {
                    code,
                    section,
                    text,
                    note,
                },
                _,
            ) => {
                claim_code(code)?;
                if text.trim().is_empty() || section.trim().is_empty() {
                    return Err(PlanningError(format!(
                        "the new item {code} needs a section and a text"
                    )));
                }
                added.push(PlannedItem::Add {
                    code: code.clone(),
                    section: section.trim().to_owned(),
                    text: text.trim().to_owned(),
                    note: note.clone(),
                });
            }
            _ => {}
        }
    }
    let retired = closed
        .iter()
        .zip(&plan)
        .filter(|(item, planned)| planned.is_none() && !dropped.contains(&item.code))
        .map(|(item, _)| item.code.clone())
        .collect();
    let mut items: Vec<PlannedItem> = plan.into_iter().flatten().collect();
    items.extend(added);
    Ok(NextRoundPlan {
        items,
        retired,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> ItemCode {
        ItemCode::parse(s).unwrap()
    }

    fn closed() -> Vec<ClosedItem> {
        [
            ("A1", Classification::In),
            ("A2", Classification::None),
            ("A3", Classification::Out),
            ("A4", Classification::None),
        ]
        .into_iter()
        .map(|(c, classification)| ClosedItem {
            code: code(c),
            classification,
            disposition: Disposition::New,
        })
        .collect()
    }

    #[test]
    fn proposal_carries_unresolved_and_retires_consensus() {
        let existing = closed().iter().map(|c| c.code.clone()).collect();
        let plan = plan_next_round(&closed(), ConsensusItemPolicy::Retire, &[], &existing).unwrap();
        assert_eq!(
            plan.items,
            vec![
                PlannedItem::Carry(code("A2")),
                PlannedItem::Carry(code("A4"))
            ]
        );
        assert_eq!(plan.retired, vec![code("A1"), code("A3")]);
        let plan = plan_next_round(
            &closed(),
            ConsensusItemPolicy::ForInformation,
            &[],
            &existing,
        )
        .unwrap();
        assert_eq!(plan.items[0], PlannedItem::ForInformation(code("A1")));
    }

    #[test]
    fn edits_apply_and_bad_edits_are_refused() {
        let existing: BTreeSet<ItemCode> = closed().iter().map(|c| c.code.clone()).collect();
        let edits = vec![
            PlanEdit::Drop { code: code("A4") },
            PlanEdit::Reword {
                code: code("A2"),
                new_code: code("A2b"),
                text: "Clearer words".into(),
                note: None,
            },
            PlanEdit::Add {
                code: code("A5"),
                section: "Patient".into(),
                text: "New".into(),
                note: None,
            },
        ];
        let plan =
            plan_next_round(&closed(), ConsensusItemPolicy::Retire, &edits, &existing).unwrap();
        assert_eq!(plan.items.len(), 2);
        assert_eq!(plan.items[0].disposition(), Disposition::Reworded);
        assert_eq!(plan.dropped, vec![code("A4")]);
        let reuse = [PlanEdit::Add {
            code: code("A1"),
            section: "x".into(),
            text: "y".into(),
            note: None,
        }];
        assert!(
            plan_next_round(&closed(), ConsensusItemPolicy::Retire, &reuse, &existing).is_err()
        );
        let unknown = [PlanEdit::Drop { code: code("Z9") }];
        assert!(
            plan_next_round(&closed(), ConsensusItemPolicy::Retire, &unknown, &existing).is_err()
        );
        let inform = [PlanEdit::Inform { code: code("A1") }];
        let plan =
            plan_next_round(&closed(), ConsensusItemPolicy::Retire, &inform, &existing).unwrap();
        assert_eq!(plan.items[0], PlannedItem::ForInformation(code("A1")));
        assert_eq!(plan.retired, vec![code("A3")]);
        let retire_unresolved = [PlanEdit::Retire { code: code("A2") }];
        assert!(plan_next_round(
            &closed(),
            ConsensusItemPolicy::Retire,
            &retire_unresolved,
            &existing
        )
        .is_err());
        let twice = [
            PlanEdit::Drop { code: code("A2") },
            PlanEdit::Rerate { code: code("A2") },
        ];
        assert!(
            plan_next_round(&closed(), ConsensusItemPolicy::Retire, &twice, &existing).is_err()
        );
    }
}
