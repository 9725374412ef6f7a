//! The COMET / GRADE "70/15" classification (STATISTICS.md 3.1), decided with integers.

use serde::{Deserialize, Serialize};

/// An item's consensus status under a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consensus {
    /// Consensus to include.
    In,
    /// Consensus to exclude.
    Out,
    /// No consensus.
    None,
}

impl Consensus {
    /// `in`, `out` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
            Self::None => "none",
        }
    }
}

/// The configurable thresholds of the COMET rules, in integer percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CometThresholds {
    /// "In" needs at least this % in the agreement band (70).
    pub in_pct_min: u64,
    /// ... and fewer than this % in the disagreement band (15).
    pub in_low_pct_max: u64,
    /// "Out" (mirror) needs at least this % in the disagreement band (70).
    pub out_pct_min: u64,
    /// ... and fewer than this % in the agreement band (15).
    pub out_high_pct_max: u64,
    /// Variant: "out" when at most this % rate in the agreement band (50).
    pub out_le_pct: u64,
}

impl Default for CometThresholds {
    fn default() -> Self {
        Self {
            in_pct_min: 70,
            in_low_pct_max: 15,
            out_pct_min: 70,
            out_high_pct_max: 15,
            out_le_pct: 50,
        }
    }
}

fn is_in(agree: u64, disagree: u64, n: u64, t: &CometThresholds) -> bool {
    100 * agree >= t.in_pct_min * n && 100 * disagree < t.in_low_pct_max * n
}

/// COMET with the mirror rule for "out"; `None` when n = 0.
pub fn comet(agree: u64, disagree: u64, n: u64, t: &CometThresholds) -> Option<Consensus> {
    if n == 0 {
        return None;
    }
    Some(if is_in(agree, disagree, n, t) {
        Consensus::In
    } else if 100 * disagree >= t.out_pct_min * n && 100 * agree < t.out_high_pct_max * n {
        Consensus::Out
    } else {
        Consensus::None
    })
}

/// COMET with "out" when at most 50 % rate in the agreement band; `None` when n = 0.
pub fn comet_le50out(agree: u64, disagree: u64, n: u64, t: &CometThresholds) -> Option<Consensus> {
    if n == 0 {
        return None;
    }
    Some(if is_in(agree, disagree, n, t) {
        Consensus::In
    } else if 100 * agree <= t.out_le_pct * n {
        Consensus::Out
    } else {
        Consensus::None
    })
}

/// `comet_all_groups`: "in" if every group with data is "in", "out" if every one is "out",
/// otherwise "none"; `None` when no group has data.
pub fn all_groups(per_group: impl IntoIterator<Item = Option<Consensus>>) -> Option<Consensus> {
    let mut seen = None;
    for status in per_group.into_iter().flatten() {
        seen = Some(match (seen, status) {
            (None, s) => s,
            (Some(a), b) if a == b => a,
            _ => Consensus::None,
        });
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_exact() {
        let t = CometThresholds::default();
        // 14/20 = 70 % in, 3/20 = 15 % low: not < 15 → none.
        assert_eq!(comet(14, 3, 20, &t), Some(Consensus::None));
        assert_eq!(comet(14, 2, 20, &t), Some(Consensus::In));
        assert_eq!(comet(7, 1, 10, &t), Some(Consensus::In));
        assert_eq!(comet(13, 0, 19, &t), Some(Consensus::None));
        assert_eq!(comet(0, 0, 0, &t), None);
        assert_eq!(comet(1, 14, 20, &t), Some(Consensus::Out));
        assert_eq!(comet_le50out(10, 0, 20, &t), Some(Consensus::Out));
        assert_eq!(comet_le50out(11, 0, 20, &t), Some(Consensus::None));
    }

    #[test]
    fn all_groups_rule() {
        use Consensus::*;
        assert_eq!(all_groups([Some(In), Some(In), Option::None]), Some(In));
        assert_eq!(all_groups([Some(Out), Some(Out)]), Some(Out));
        assert_eq!(all_groups([Some(In), Some(Out)]), Some(Consensus::None));
        assert_eq!(
            all_groups([Option::<Consensus>::None, Option::None]),
            Option::None
        );
    }
}
