//! Checking a [`StudyRecord`]'s references once, and the look-ups every renderer shares.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasherDefault;

use delphi_stats::dataset::FxHasher;

use super::{StudyRecord, WHOLE_PANEL};

/// Problems listed before the rest are summarised in one line.
const MAX_PROBLEMS: usize = 50;

/// One inconsistency in a record: where it is, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// Where, e.g. `responses[12] (round 2, item "P3", panellist "P017")`.
    pub place: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// A hash map with a fast, non-cryptographic hasher (the keys are the record's own codes).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Look-ups by code, built once by [`StudyRecord::index`] after every reference was checked.
#[derive(Debug, Clone)]
pub struct RecordIndex<'r> {
    /// The record.
    pub record: &'r StudyRecord,
    /// Item position by code.
    pub items: FastMap<&'r str, usize>,
    /// Group position by code.
    pub groups: FastMap<&'r str, usize>,
    /// Panellist position by pseudonym.
    pub panellists: FastMap<&'r str, usize>,
    /// Round position by number.
    pub rounds: FastMap<i32, usize>,
    /// Result position by (round, item code, group code or `ALL`).
    pub results: FastMap<(i32, &'r str, &'r str), usize>,
    /// Moderation position by (round, item code, pseudonym).
    pub moderation: FastMap<(i32, &'r str, &'r str), usize>,
    /// Group positions sorted by display order.
    pub group_order: Vec<usize>,
}

struct Problems(Vec<RecordProblem>, usize);

impl Problems {
    fn push(&mut self, place: impl FnOnce() -> String, message: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(RecordProblem {
                place: place(),
                message: message.into(),
            });
        } else {
            self.1 += 1;
        }
    }
}

fn unique<K: std::hash::Hash + Eq + Copy + fmt::Debug>(
    keys: impl Iterator<Item = K>,
    what: &str,
    problems: &mut Problems,
) -> FastMap<K, usize> {
    let mut map = FastMap::default();
    for (i, key) in keys.enumerate() {
        if map.insert(key, i).is_some() {
            problems.push(|| format!("{what}[{i}]"), format!("{key:?} appears twice"));
        }
    }
    map
}

impl<'r> RecordIndex<'r> {
    pub(super) fn new(record: &'r StudyRecord) -> Result<Self, Vec<RecordProblem>> {
        let mut problems = Problems(Vec::new(), 0);
        let p = &mut problems;
        let items = unique(record.items.iter().map(|i| i.code.as_str()), "items", p);
        let groups = unique(record.groups.iter().map(|g| g.code.as_str()), "groups", p);
        let panellists = unique(
            record.panellists.iter().map(|x| x.pseudonym.as_str()),
            "panellists",
            p,
        );
        let rounds = unique(record.rounds.iter().map(|r| r.number), "rounds", p);
        if groups.contains_key(WHOLE_PANEL) {
            p.push(
                || "groups".to_owned(),
                format!("{WHOLE_PANEL:?} is reserved for the whole panel"),
            );
        }
        for (i, x) in record.panellists.iter().enumerate() {
            if !groups.contains_key(x.group.as_str()) {
                p.push(
                    || format!("panellists[{i}] ({:?})", x.pseudonym),
                    format!("unknown stakeholder group {:?}", x.group),
                );
            }
        }
        for (i, item) in record.items.iter().enumerate() {
            if let Some(old) = item.replaces.as_deref() {
                if !items.contains_key(old) {
                    p.push(
                        || format!("items[{i}] ({:?})", item.code),
                        format!("rewords the unknown item {old:?}"),
                    );
                }
            }
        }
        for round in &record.rounds {
            for ri in &round.items {
                if !items.contains_key(ri.code.as_str()) {
                    p.push(
                        || format!("round {} items", round.number),
                        format!("unknown item {:?}", ri.code),
                    );
                }
            }
            for part in &round.participation {
                if !panellists.contains_key(part.pseudonym.as_str()) {
                    p.push(
                        || format!("round {} participation", round.number),
                        format!("unknown panellist {:?}", part.pseudonym),
                    );
                }
            }
        }
        check_responses(record, &items, &panellists, &rounds, p);
        let mut results =
            FastMap::with_capacity_and_hasher(record.results.len(), Default::default());
        for (i, r) in record.results.iter().enumerate() {
            let place = || {
                format!(
                    "results[{i}] (round {}, item {:?}, group {:?})",
                    r.round, r.item, r.group
                )
            };
            if !rounds.contains_key(&r.round) {
                p.push(place, "unknown round");
            } else if !items.contains_key(r.item.as_str()) {
                p.push(place, "unknown item");
            } else if r.group != WHOLE_PANEL && !groups.contains_key(r.group.as_str()) {
                p.push(place, "unknown stakeholder group");
            } else if results
                .insert((r.round, r.item.as_str(), r.group.as_str()), i)
                .is_some()
            {
                p.push(place, "appears twice");
            }
        }
        let mut moderation = FastMap::default();
        for (i, m) in record.moderation.iter().enumerate() {
            let place = || {
                format!(
                    "moderation[{i}] (round {}, item {:?}, panellist {:?})",
                    m.round, m.item, m.pseudonym
                )
            };
            if !rounds.contains_key(&m.round)
                || !items.contains_key(m.item.as_str())
                || !panellists.contains_key(m.pseudonym.as_str())
            {
                p.push(place, "names an unknown round, item or panellist");
            } else if moderation
                .insert((m.round, m.item.as_str(), m.pseudonym.as_str()), i)
                .is_some()
            {
                p.push(place, "appears twice");
            }
        }
        if let Some(contacts) = &record.contacts {
            for (i, c) in contacts.iter().enumerate() {
                if !panellists.contains_key(c.pseudonym.as_str()) {
                    p.push(
                        || format!("contacts[{i}]"),
                        format!("unknown panellist {:?}", c.pseudonym),
                    );
                }
            }
        }
        if !problems.0.is_empty() {
            let (mut list, more) = (problems.0, problems.1);
            if more > 0 {
                list.push(RecordProblem {
                    place: "record".to_owned(),
                    message: format!("{more} more problems not listed"),
                });
            }
            return Err(list);
        }
        let mut group_order: Vec<usize> = (0..record.groups.len()).collect();
        group_order.sort_by_key(|&g| (record.groups[g].position, g));
        Ok(Self {
            record,
            items,
            groups,
            panellists,
            rounds,
            results,
            moderation,
            group_order,
        })
    }

    /// The stored result of (round, item, group), if the round stored one.
    pub fn result(&self, round: i32, item: &str, group: &str) -> Option<&'r super::RoundResult> {
        let record = self.record;
        self.results
            .get(&(round, item, group))
            .map(|&i| &record.results[i])
    }

    /// The stakeholder group of a panellist (its position), if known.
    pub fn group_of(&self, pseudonym: &str) -> Option<usize> {
        let record = self.record;
        let p = *self.panellists.get(pseudonym)?;
        self.groups
            .get(record.panellists[p].group.as_str())
            .copied()
    }
}

fn check_responses(
    record: &StudyRecord,
    items: &FastMap<&str, usize>,
    panellists: &FastMap<&str, usize>,
    rounds: &FastMap<i32, usize>,
    p: &mut Problems,
) {
    let scale = &record.settings.scale;
    let mut seen = Seen::new(rounds.len(), items.len(), panellists.len());
    for (i, r) in record.responses.iter().enumerate() {
        let place = || {
            format!(
                "responses[{i}] (round {}, item {:?}, panellist {:?})",
                r.round, r.item, r.pseudonym
            )
        };
        let (Some(&item), Some(&panellist)) = (
            items.get(r.item.as_str()),
            panellists.get(r.pseudonym.as_str()),
        ) else {
            p.push(place, "names an unknown item or panellist");
            continue;
        };
        if !rounds.contains_key(&r.round) {
            p.push(place, "unknown round");
        }
        match r.rating {
            Some(v) if v < scale.min || v > scale.max => p.push(
                place,
                format!(
                    "rating {v} is outside the scale {}-{}",
                    scale.min, scale.max
                ),
            ),
            Some(_) if r.unable_to_rate => {
                p.push(place, "has a rating and \"unable to rate\" at once")
            }
            _ => {}
        }
        let round = rounds.get(&r.round).copied().unwrap_or(usize::MAX);
        if !seen.insert(round, item, panellist) {
            p.push(place, "appears twice");
        }
    }
}

/// Which (round, item, panellist) answers were met: one bit each when that fits in 64 MiB,
/// a hash set otherwise.
enum Seen {
    Bits {
        bits: Vec<u64>,
        rounds: usize,
        items: usize,
        panellists: usize,
    },
    Set(HashSet<(usize, usize, usize), BuildHasherDefault<FxHasher>>),
}

impl Seen {
    fn new(rounds: usize, items: usize, panellists: usize) -> Self {
        // One slot more than the rounds, for answers naming an unknown round.
        match (rounds + 1)
            .checked_mul(items)
            .and_then(|n| n.checked_mul(panellists))
            .filter(|&n| n <= 1 << 29)
        {
            Some(n) => Self::Bits {
                bits: vec![0; n / 64 + 1],
                rounds,
                items,
                panellists,
            },
            None => Self::Set(HashSet::default()),
        }
    }

    /// Records one answer; `false` when it was already there.
    fn insert(&mut self, round: usize, item: usize, panellist: usize) -> bool {
        match self {
            Self::Bits {
                bits,
                rounds,
                items,
                panellists,
            } => {
                let at = (round.min(*rounds) * *items + item) * *panellists + panellist;
                let (word, bit) = (at / 64, 1u64 << (at % 64));
                let fresh = bits[word] & bit == 0;
                bits[word] |= bit;
                fresh
            }
            Self::Set(set) => set.insert((round, item, panellist)),
        }
    }
}
