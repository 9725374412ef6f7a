//! Each item's path through the rounds: when it was asked, how, what it was classified, and
//! where it ended.

use delphi_core::states::{Disposition, Verdict};

use crate::record::{RecordIndex, WHOLE_PANEL};

/// One round that asked an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// Round number.
    pub round: i32,
    /// New, carried, reworded or for information.
    pub disposition: Disposition,
    /// The whole-panel classification stored when the round closed (rated rounds only).
    pub verdict: Option<Verdict>,
}

/// One item's ledger line.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Item position in the record.
    pub item: usize,
    /// Every round that asked it, in number order.
    pub visits: Vec<Visit>,
    /// The code of the item that replaced it (reworded), if any.
    pub replaced_by: Option<String>,
}

impl LedgerEntry {
    /// The first round that asked it.
    pub fn first_round(&self) -> Option<i32> {
        self.visits.first().map(|v| v.round)
    }

    /// The last round in which it was rated and classified, with that classification.
    pub fn last_verdict(&self) -> Option<(i32, Verdict)> {
        self.visits
            .iter()
            .rev()
            .find_map(|v| v.verdict.map(|c| (v.round, c)))
    }
}

/// The ledger of every item, in the record's item order.
pub fn ledger(index: &RecordIndex<'_>) -> Vec<LedgerEntry> {
    let record = index.record;
    let mut rounds: Vec<usize> = (0..record.rounds.len()).collect();
    rounds.sort_by_key(|&r| record.rounds[r].number);
    let mut entries: Vec<LedgerEntry> = (0..record.items.len())
        .map(|item| LedgerEntry {
            item,
            visits: Vec::new(),
            replaced_by: None,
        })
        .collect();
    for r in rounds {
        let round = &record.rounds[r];
        for ri in &round.items {
            let Some(&i) = index.items.get(ri.code.as_str()) else {
                continue;
            };
            let verdict = index
                .result(round.number, &ri.code, WHOLE_PANEL)
                .and_then(|res| res.result.verdict());
            entries[i].visits.push(Visit {
                round: round.number,
                disposition: ri.disposition,
                verdict,
            });
        }
    }
    for item in &record.items {
        if let Some(&old) = item.replaces.as_deref().and_then(|c| index.items.get(c)) {
            entries[old].replaced_by = Some(item.code.clone());
        }
    }
    entries
}
