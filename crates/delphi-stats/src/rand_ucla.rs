//! The RAND/UCLA Appropriateness Method block (STATISTICS.md 3.2).

use serde::{Deserialize, Serialize};

use crate::quantile::{median, quantile, QuantileType};
use crate::Histogram;

/// Settings of the RAND/UCLA indices; the constants are calibrated for a 1–9 scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandConfig {
    /// Scale midpoint for the asymmetry index: (min + max)/2, i.e. 5 on 1–9.
    pub midpoint: f64,
    /// IPRAS constant (2.35 in the manual).
    pub ipr_r: f64,
    /// Correction factor for asymmetry (1.5).
    pub cfa: f64,
    /// "Appropriate" when the median is at least this (7).
    pub appropriate_median_min: f64,
    /// "Inappropriate" when the median is at most this (3).
    pub inappropriate_median_max: f64,
}

impl RandConfig {
    /// The manual's constants with the midpoint of `min..=max`.
    pub fn for_scale(min: i32, max: i32) -> Self {
        Self {
            midpoint: f64::from(min + max) / 2.0,
            ipr_r: 2.35,
            cfa: 1.5,
            appropriate_median_min: 7.0,
            inappropriate_median_max: 3.0,
        }
    }
}

/// Interpercentile-range indices by one quantile type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandIndices {
    /// 30th percentile.
    pub p30: f64,
    /// 70th percentile.
    pub p70: f64,
    /// P70 − P30.
    pub ipr: f64,
    /// (P30 + P70)/2.
    pub iprcp: f64,
    /// |midpoint − IPRCP|.
    pub ai: f64,
    /// 2.35 + 1.5·AI.
    pub ipras: f64,
    /// IPR/IPRAS.
    pub di: f64,
    /// IPR > IPRAS.
    pub disagreement: bool,
}

/// The whole RAND/UCLA block for one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandBlock {
    /// The panel median.
    pub median: f64,
    /// Indices with type-7 percentiles (the default).
    pub type7: RandIndices,
    /// Indices with type-6 percentiles.
    pub type6: RandIndices,
    /// `appropriate`, `inappropriate` or `uncertain` (type-7 disagreement).
    pub category: String,
    /// k = max(1, ⌊(n+1)/3⌋).
    pub count_rule_k: u64,
    /// Whether 8 ≤ n ≤ 16, the panel sizes of the manual's table.
    pub count_rule_in_manual_table: bool,
    /// At least k ratings in 1–3 and at least k in 7–9.
    pub count_disagreement: bool,
    /// Ratings outside the 3-point region holding the median (`null` for a x.5 median).
    pub n_outside_median_region: Option<u64>,
    /// n_outside_median_region ≤ k − 1 (`null` for a x.5 median).
    pub count_agreement: Option<bool>,
}

fn indices(h: &Histogram, kind: QuantileType, cfg: &RandConfig) -> Option<RandIndices> {
    let p30 = quantile(h, 30, kind)?;
    let p70 = quantile(h, 70, kind)?;
    let ipr = p70 - p30;
    let iprcp = (p30 + p70) / 2.0;
    let ai = (cfg.midpoint - iprcp).abs();
    let ipras = cfg.ipr_r + cfg.cfa * ai;
    Some(RandIndices {
        p30,
        p70,
        ipr,
        iprcp,
        ai,
        ipras,
        di: ipr / ipras,
        disagreement: ipr > ipras,
    })
}

/// The RAND/UCLA block, or `None` when there are no numeric ratings.
pub fn rand_block(h: &Histogram, cfg: &RandConfig) -> Option<RandBlock> {
    let n = h.n_valid();
    let median = median(h)?;
    let type7 = indices(h, QuantileType::Type7, cfg)?;
    let type6 = indices(h, QuantileType::Type6, cfg)?;
    let category = if median >= cfg.appropriate_median_min && !type7.disagreement {
        "appropriate"
    } else if median <= cfg.inappropriate_median_max && !type7.disagreement {
        "inappropriate"
    } else {
        "uncertain"
    };
    let k = ((n + 1) / 3).max(1);
    let low = h.count_in(1, 3);
    let high = h.count_in(7, 9);
    let n_outside = (median.fract() == 0.0).then(|| {
        // The median is a whole point: its region is the third (1–3, 4–6, 7–9) holding it.
        let point = median as i32;
        let region_lo = (point - 1).div_euclid(3) * 3 + 1;
        n - h.count_in(region_lo, region_lo + 2)
    });
    Some(RandBlock {
        median,
        type7,
        type6,
        category: category.to_owned(),
        count_rule_k: k,
        count_rule_in_manual_table: (8..=16).contains(&n),
        count_disagreement: low >= k && high >= k,
        n_outside_median_region: n_outside,
        count_agreement: n_outside.map(|outside| outside < k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmj_open_2012_worked_example() {
        let mut h = Histogram::new(1, 9);
        for v in [4, 5, 6, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9] {
            h.add(v);
        }
        let block = rand_block(&h, &RandConfig::for_scale(1, 9)).expect("defined");
        assert_eq!(block.type7.p30, 7.0);
        assert_eq!(block.type7.p70, 8.0);
        assert!((block.type7.ipras - 6.1).abs() < 1e-12);
        assert!((block.type7.di - 1.0 / 6.1).abs() < 1e-12);
        assert!(!block.type7.disagreement);
        assert_eq!(block.category, "appropriate");
    }
}
