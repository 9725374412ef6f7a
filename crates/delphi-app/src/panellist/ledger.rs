//! The item ledger shown to the panel at the top of a later round: what became of each
//! statement of the round before (agreed and no longer asked, reworded, dropped) and what is
//! new, with the research team's reasons as the planner recorded them. Texts are untrusted
//! and escaped by the template.

use std::collections::{HashMap, HashSet};

use delphi_core::lifecycle::{Disposition, ItemStatus};
use delphi_store::items::ItemRow;
use serde::Serialize;

/// What changed since the round before, for the panel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LedgerView {
    /// The round the changes follow.
    pub since_round: i32,
    /// Statements the panel agreed on, no longer asked.
    pub agreed: Vec<LedgerLine>,
    /// Statements asked again in new words.
    pub reworded: Vec<LedgerReword>,
    /// Statements asked for the first time.
    pub added: Vec<LedgerLine>,
    /// Statements the team took out.
    pub dropped: Vec<LedgerLine>,
}

impl LedgerView {
    /// Whether nothing changed (the page then shows no ledger).
    pub fn is_empty(&self) -> bool {
        self.agreed.is_empty()
            && self.reworded.is_empty()
            && self.added.is_empty()
            && self.dropped.is_empty()
    }
}

/// One statement and the team's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// Item code.
    pub code: String,
    /// The words.
    pub text: String,
    /// Why (may be empty).
    pub reason: String,
}

/// A rewording: the old words and the new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerReword {
    /// The new item's code.
    pub code: String,
    /// The words of the round before.
    pub was: String,
    /// The words asked now.
    pub text: String,
    /// Why (may be empty).
    pub reason: String,
}

/// Why a statement of the round before is not asked now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    /// Agreed (retired), with the reason.
    Agreed(String),
    /// Dropped by the team, with the reason.
    Dropped(String),
}

/// The fate of a stored item that left: its status and the reason recorded when the round
/// opened ([`crate::planner`] writes it as the item's status reason).
pub fn left_by_status(item: &ItemRow) -> Option<Left> {
    let reason = item.status_reason.clone().unwrap_or_default();
    match item.status {
        ItemStatus::Retired => Some(Left::Agreed(reason)),
        ItemStatus::Dropped => Some(Left::Dropped(reason)),
        _ => None,
    }
}

/// The ledger of a round numbered `since_round + 1`: `previous` are the item ids of the round
/// before in order, `current` the round's items with how each appears, `all_items` every
/// item of the study by id, and `left` says why an item of the round before is not asked.
pub fn build(
    since_round: i32,
    previous: &[String],
    current: &[(String, Disposition)],
    all_items: &HashMap<String, ItemRow>,
    left: impl Fn(&ItemRow) -> Option<Left>,
) -> LedgerView {
    let mut ledger = LedgerView {
        since_round,
        ..LedgerView::default()
    };
    let asked: HashSet<&str> = current.iter().map(|(id, _)| id.as_str()).collect();
    for (id, disposition) in current {
        let Some(item) = all_items.get(id) else {
            continue;
        };
        let reason = item.change_note.clone().unwrap_or_default();
        match disposition {
            Disposition::Reworded => ledger.reworded.push(LedgerReword {
                code: item.code.clone(),
                was: item
                    .replaces_id
                    .as_ref()
                    .and_then(|old| all_items.get(old))
                    .map(|old| old.text.clone())
                    .unwrap_or_default(),
                text: item.text.clone(),
                reason,
            }),
            Disposition::New => ledger.added.push(LedgerLine {
                code: item.code.clone(),
                text: item.text.clone(),
                reason,
            }),
            _ => {}
        }
    }
    let replaced: HashSet<&str> = current
        .iter()
        .filter_map(|(id, _)| all_items.get(id)?.replaces_id.as_deref())
        .collect();
    for id in previous {
        if asked.contains(id.as_str()) || replaced.contains(id.as_str()) {
            continue;
        }
        let Some(item) = all_items.get(id) else {
            continue;
        };
        let line = |reason: String| LedgerLine {
            code: item.code.clone(),
            text: item.text.clone(),
            reason,
        };
        match left(item) {
            Some(Left::Agreed(reason)) => ledger.agreed.push(line(reason)),
            Some(Left::Dropped(reason)) => ledger.dropped.push(line(reason)),
            None => {}
        }
    }
    ledger
}
