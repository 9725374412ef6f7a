//! Rating rows `(round, item, panellist, group, rating or "unable to rate")` held in memory
//! as one byte per (round, item, panellist), with identifiers interned. The whole section-9
//! report is computed from it by [`crate::report`].

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher for interning identifiers (FxHash).
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Byte equality, inlined for the short identifiers of rating files (no `memcmp` call).
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 24 {
        return a == b;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// No predicted successor.
const NO_ID: u32 = u32::MAX;

/// Identifiers in first-seen order, with a fast lookup. Rating files repeat the same
/// sequence of items (or panellists) over and over, so before hashing it tries the previous
/// identifier and the one that followed it last time; most rows cost one comparison.
#[derive(Debug, Default, Clone)]
struct Interner {
    names: Vec<String>,
    index: FxMap<Box<[u8]>, u32>,
    /// `next[id]`: the identifier seen right after `id` last time.
    next: Vec<u32>,
    last: Option<u32>,
}

impl Interner {
    /// The id of `name`; UTF-8 is checked only when the name is new.
    #[inline]
    fn intern(&mut self, name: &[u8]) -> Result<u32, std::str::Utf8Error> {
        if let Some(last) = self.last {
            if same(self.names[last as usize].as_bytes(), name) {
                return Ok(last);
            }
            let guess = self.next[last as usize];
            if guess != NO_ID && same(self.names[guess as usize].as_bytes(), name) {
                self.last = Some(guess);
                return Ok(guess);
            }
        }
        let id = match self.index.get(name) {
            Some(&id) => id,
            None => {
                let text = std::str::from_utf8(name)?;
                let id = self.names.len() as u32;
                self.names.push(text.to_owned());
                self.next.push(NO_ID);
                self.index.insert(name.into(), id);
                id
            }
        };
        if let Some(last) = self.last {
            self.next[last as usize] = id;
        }
        self.last = Some(id);
        Ok(id)
    }
}

/// One cell of the (round, item, panellist) table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// No row: the panellist did not respond to the item in that round.
    Missing,
    /// The explicit answer "unable to rate".
    UnableToRate,
    /// A numeric rating.
    Rating(i32),
}

/// The stored code of "unable to rate"; 0 is "no row", `1..=points` are ratings.
pub(crate) const UTR: u8 = u8::MAX;

/// The most scale points a dataset can hold (codes 1..=254).
pub const MAX_SCALE_POINTS: i32 = 254;

/// Why a row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddError {
    /// The rating is off the scale.
    OffScale {
        /// The rating given.
        rating: i64,
        /// Lowest scale point.
        scale_min: i32,
        /// Highest scale point.
        scale_max: i32,
    },
    /// A second row for the same (round, item, panellist).
    Duplicate {
        /// Round.
        round: i64,
        /// Item.
        item: String,
        /// Panellist.
        panellist: String,
    },
    /// Far more (item, panellist) pairs than rows: the dense layout would not fit in memory.
    TooSparse {
        /// Rows so far.
        rows: usize,
        /// Distinct items so far.
        items: usize,
        /// Distinct panellists so far.
        panellists: usize,
    },
    /// An identifier is not valid UTF-8.
    NotUtf8 {
        /// Which column.
        column: &'static str,
    },
    /// The panellist appeared before in another stakeholder group.
    GroupConflict {
        /// Panellist.
        panellist: String,
        /// Group seen first.
        first: String,
        /// Group of this row.
        this: String,
    },
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OffScale { rating, scale_min, scale_max } => {
                write!(f, "rating {rating} is outside the scale {scale_min}-{scale_max}")
            }
            Self::Duplicate { round, item, panellist } => write!(
                f,
                "a second row for round {round}, item {item:?}, panellist {panellist:?}"
            ),
            Self::NotUtf8 { column } => write!(f, "{column} is not valid UTF-8"),
            Self::TooSparse { rows, items, panellists } => write!(
                f,
                "{items} items and {panellists} panellists but only {rows} rows: too sparse to analyse (is each row a different panellist and item?)"
            ),
            Self::GroupConflict { panellist, first, this } => write!(
                f,
                "panellist {panellist:?} is in stakeholder group {this:?} here but in {first:?} on an earlier line"
            ),
        }
    }
}

impl std::error::Error for AddError {}

/// A scale the dataset cannot hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleError {
    /// Lowest point asked for.
    pub scale_min: i32,
    /// Highest point asked for.
    pub scale_max: i32,
}

impl fmt::Display for ScaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the scale {}-{} is not usable: it needs 2 to {MAX_SCALE_POINTS} points, lowest first",
            self.scale_min, self.scale_max
        )
    }
}

impl std::error::Error for ScaleError {}

/// The rows of one round: a byte column per item, indexed by panellist.
#[derive(Debug, Default, Clone)]
pub(crate) struct RoundData {
    /// Round number.
    pub(crate) round: i64,
    /// `columns[item][panellist]`; shorter columns mean "no row" beyond their end.
    pub(crate) columns: Vec<Vec<u8>>,
    /// Whether the item has any row (rating or "unable to rate") in this round.
    pub(crate) present: Vec<bool>,
}

/// Builds a [`Dataset`] row by row, refusing bad rows.
#[derive(Debug, Clone)]
pub struct DatasetBuilder {
    scale_min: i32,
    scale_max: i32,
    items: Interner,
    panellists: Interner,
    groups: Interner,
    panellist_group: Vec<u32>,
    rounds: Vec<RoundData>,
    round_index: FxMap<i64, usize>,
    last_round: Option<(i64, usize)>,
    /// Rows accepted.
    rows: usize,
    /// Cells allocated over all columns (one byte each).
    cells: usize,
}

/// The dense layout may hold this many cells per row accepted, plus [`MAX_CELLS_FLOOR`]:
/// ample for Delphi data (every panellist rates most items), and a clear error instead of
/// exhausting memory for a file where almost every (item, panellist) pair is missing.
const MAX_EMPTY_CELLS_PER_ROW: usize = 64;
const MAX_CELLS_FLOOR: usize = 1 << 26;

impl DatasetBuilder {
    /// A builder for ratings on `scale_min..=scale_max` (2 to 254 points).
    pub fn new(scale_min: i32, scale_max: i32) -> Result<Self, ScaleError> {
        let points = i64::from(scale_max) - i64::from(scale_min) + 1;
        if !(2..=i64::from(MAX_SCALE_POINTS)).contains(&points) {
            return Err(ScaleError {
                scale_min,
                scale_max,
            });
        }
        Ok(Self {
            scale_min,
            scale_max,
            items: Interner::default(),
            panellists: Interner::default(),
            groups: Interner::default(),
            panellist_group: Vec::new(),
            rounds: Vec::new(),
            round_index: FxMap::default(),
            last_round: None,
            rows: 0,
            cells: 0,
        })
    }

    fn round_slot(&mut self, round: i64) -> usize {
        if let Some((last, slot)) = self.last_round {
            if last == round {
                return slot;
            }
        }
        let next = self.rounds.len();
        let slot = *self.round_index.entry(round).or_insert(next);
        if slot == next {
            self.rounds.push(RoundData {
                round,
                ..RoundData::default()
            });
        }
        self.last_round = Some((round, slot));
        slot
    }

    /// Adds one row; `rating` `None` is "unable to rate".
    pub fn add(
        &mut self,
        round: i64,
        item: &str,
        panellist: &str,
        group: &str,
        rating: Option<i64>,
    ) -> Result<(), AddError> {
        self.add_raw(
            round,
            item.as_bytes(),
            panellist.as_bytes(),
            group.as_bytes(),
            rating,
        )
    }

    /// [`DatasetBuilder::add`] for identifiers as raw bytes (checked to be UTF-8 once, when
    /// first seen): the fast path for file readers.
    pub fn add_raw(
        &mut self,
        round: i64,
        item: &[u8],
        panellist: &[u8],
        group: &[u8],
        rating: Option<i64>,
    ) -> Result<(), AddError> {
        let code = match rating {
            None => UTR,
            Some(r) if r >= i64::from(self.scale_min) && r <= i64::from(self.scale_max) => {
                (r - i64::from(self.scale_min) + 1) as u8
            }
            Some(r) => {
                return Err(AddError::OffScale {
                    rating: r,
                    scale_min: self.scale_min,
                    scale_max: self.scale_max,
                })
            }
        };
        let not_utf8 = |column| move |_| AddError::NotUtf8 { column };
        let p = self
            .panellists
            .intern(panellist)
            .map_err(not_utf8("panellist_id"))? as usize;
        if p == self.panellist_group.len() {
            let group_id = self
                .groups
                .intern(group)
                .map_err(not_utf8("stakeholder_group"))?;
            self.panellist_group.push(group_id);
        } else {
            let known = &self.groups.names[self.panellist_group[p] as usize];
            if !same(known.as_bytes(), group) {
                return Err(AddError::GroupConflict {
                    panellist: self.panellists.names[p].clone(),
                    first: known.clone(),
                    this: String::from_utf8_lossy(group).into_owned(),
                });
            }
        }
        let i = self.items.intern(item).map_err(not_utf8("item_id"))? as usize;
        let slot = self.round_slot(round);
        let n_panellists = self.panellists.names.len();
        let data = &mut self.rounds[slot];
        if data.columns.len() <= i {
            data.columns.resize_with(i + 1, Vec::new);
            data.present.resize(i + 1, false);
        }
        let column = &mut data.columns[i];
        if column.len() <= p {
            // Grow geometrically: files sorted by panellist add one panellist at a time.
            let want = (p + 1).max(n_panellists).max(2 * column.len()).max(64);
            self.cells += want - column.len();
            if self.cells > MAX_EMPTY_CELLS_PER_ROW * self.rows + MAX_CELLS_FLOOR {
                return Err(AddError::TooSparse {
                    rows: self.rows,
                    items: self.items.names.len(),
                    panellists: n_panellists,
                });
            }
            column.resize(want, 0);
        }
        if column[p] != 0 {
            return Err(AddError::Duplicate {
                round,
                item: self.items.names[i].clone(),
                panellist: self.panellists.names[p].clone(),
            });
        }
        column[p] = code;
        data.present[i] = true;
        self.rows += 1;
        Ok(())
    }

    /// Whether no row has been added yet.
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
    }

    /// The finished dataset, rounds in ascending order.
    pub fn finish(mut self) -> Dataset {
        self.rounds.sort_by_key(|r| r.round);
        let n_items = self.items.names.len();
        let n_panellists = self.panellists.names.len();
        for round in &mut self.rounds {
            round.columns.resize_with(n_items, Vec::new);
            round.present.resize(n_items, false);
            for column in &mut round.columns {
                column.truncate(n_panellists);
            }
        }
        Dataset {
            scale_min: self.scale_min,
            scale_max: self.scale_max,
            item_ids: self.items.names,
            panellist_ids: self.panellists.names,
            group_names: self.groups.names,
            panellist_group: self.panellist_group,
            rounds: self.rounds,
        }
    }
}

/// Ratings of a study (or a CSV file) in memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) scale_min: i32,
    pub(crate) scale_max: i32,
    pub(crate) item_ids: Vec<String>,
    pub(crate) panellist_ids: Vec<String>,
    pub(crate) group_names: Vec<String>,
    pub(crate) panellist_group: Vec<u32>,
    pub(crate) rounds: Vec<RoundData>,
}

impl Dataset {
    /// Lowest scale point.
    pub fn scale_min(&self) -> i32 {
        self.scale_min
    }

    /// Highest scale point.
    pub fn scale_max(&self) -> i32 {
        self.scale_max
    }

    /// Item identifiers in first-seen order.
    pub fn item_ids(&self) -> &[String] {
        &self.item_ids
    }

    /// Panellist identifiers in first-seen order.
    pub fn panellist_ids(&self) -> &[String] {
        &self.panellist_ids
    }

    /// Round numbers, ascending.
    pub fn rounds(&self) -> Vec<i64> {
        self.rounds.iter().map(|r| r.round).collect()
    }

    /// The cell of (round position, item index, panellist index).
    pub fn cell(&self, round_pos: usize, item: usize, panellist: usize) -> Cell {
        let code = self
            .rounds
            .get(round_pos)
            .and_then(|r| r.columns.get(item))
            .and_then(|c| c.get(panellist))
            .copied()
            .unwrap_or(0);
        self.decode(code)
    }

    pub(crate) fn decode(&self, code: u8) -> Cell {
        match code {
            0 => Cell::Missing,
            UTR => Cell::UnableToRate,
            c => Cell::Rating(self.scale_min + i32::from(c) - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_rows() {
        let mut b = DatasetBuilder::new(1, 9).expect("scale");
        b.add(1, "I1", "P1", "A", Some(7)).expect("row");
        b.add(1, "I1", "P2", "A", None).expect("row");
        assert!(matches!(
            b.add(1, "I1", "P1", "A", Some(8)),
            Err(AddError::Duplicate { .. })
        ));
        assert!(matches!(
            b.add(2, "I1", "P1", "B", Some(8)),
            Err(AddError::GroupConflict { .. })
        ));
        assert!(matches!(
            b.add(2, "I1", "P3", "A", Some(10)),
            Err(AddError::OffScale { rating: 10, .. })
        ));
        let d = b.finish();
        assert_eq!(d.cell(0, 0, 0), Cell::Rating(7));
        assert_eq!(d.cell(0, 0, 1), Cell::UnableToRate);
        assert_eq!(d.cell(0, 0, 5), Cell::Missing);
        assert!(DatasetBuilder::new(5, 5).is_err());
    }

    #[test]
    fn refuses_data_too_sparse_for_memory() {
        let mut b = DatasetBuilder::new(1, 9).expect("scale");
        let mut refused = None;
        for k in 0..200_000 {
            if let Err(e) = b.add(1, &format!("I{k}"), &format!("P{k}"), "A", Some(5)) {
                refused = Some((k, e));
                break;
            }
        }
        let (k, e) = refused.expect("a diagonal file must be refused");
        assert!(matches!(e, AddError::TooSparse { .. }), "{e}");
        assert!(k > 1000, "dense enough files up to here: {k}");
    }
}
