//! Per-item statistics of STATISTICS.md section 3, from a histogram of counts per point.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::comet::{comet, comet_le50out, CometThresholds, Consensus};
use crate::quantile::{median, quantile, QuantileType};
use crate::rand_ucla::{rand_block, RandBlock, RandConfig};
use crate::Histogram;

/// An inclusive band of scale points, e.g. 7–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// Lowest point in the band.
    pub lo: i32,
    /// Highest point in the band.
    pub hi: i32,
}

impl Band {
    /// The band `lo..=hi`.
    pub const fn new(lo: i32, hi: i32) -> Self {
        Self { lo, hi }
    }

    /// The band written as `lo-hi`, the key used in JSON.
    pub fn label(&self) -> String {
        format!("{}-{}", self.lo, self.hi)
    }
}

/// How to compute the per-item statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribeConfig {
    /// Agreement band (default 7–9).
    pub agree: Band,
    /// Disagreement band (default 1–3).
    pub disagree: Band,
    /// Bands reported with counts and both percentages (default 1–3, 4–6, 7–9).
    pub bands: Vec<Band>,
    /// COMET thresholds (default 70/15, and 50 for the "≤ 50 % out" variant).
    pub comet: CometThresholds,
    /// RAND/UCLA settings.
    pub rand: RandConfig,
}

impl DescribeConfig {
    /// The defaults for a `min..=max` scale: on 1–9 the COMET/GRADE bands 1–3, 4–6, 7–9;
    /// on other scales the agreement band is the top third and disagreement the bottom third.
    pub fn for_scale(min: i32, max: i32) -> Self {
        let third = ((max - min + 1) / 3).max(1);
        let disagree = Band::new(min, min + third - 1);
        let agree = Band::new(max - third + 1, max);
        let mut bands = vec![disagree];
        if agree.lo - disagree.hi > 1 {
            bands.push(Band::new(disagree.hi + 1, agree.lo - 1));
        }
        bands.push(agree);
        Self {
            agree,
            disagree,
            bands,
            comet: CometThresholds::default(),
            rand: RandConfig::for_scale(min, max),
        }
    }
}

impl Default for DescribeConfig {
    fn default() -> Self {
        Self::for_scale(1, 9)
    }
}

/// Count and percentages of one band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandStatistics {
    /// Ratings in the band.
    pub count: u64,
    /// 100·count/n_valid (`null` when n_valid = 0).
    pub pct_valid: Option<f64>,
    /// 100·count/n_responded, "unable to rate" in the denominator.
    pub pct_responded: Option<f64>,
}

/// Every statistic of section 3 for one item (in one round, for one group).
/// Field names are those of the oracle JSON; undefined values are `None` (`null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatistics {
    /// Numeric ratings.
    pub n_valid: u64,
    /// "Unable to rate" answers.
    pub n_utr: u64,
    /// n_valid + n_utr.
    pub n_responded: u64,
    /// 100·n_utr/n_responded.
    pub pct_utr: Option<f64>,
    /// Σx/n.
    pub mean: Option<f64>,
    /// Sample variance (n − 1), n ≥ 2.
    pub var: Option<f64>,
    /// √var.
    pub sd: Option<f64>,
    /// sd/mean (a ratio), n ≥ 2 and mean ≠ 0.
    pub cv: Option<f64>,
    /// Lowest rating.
    pub min: Option<i32>,
    /// Highest rating.
    pub max: Option<i32>,
    /// Median.
    pub median: Option<f64>,
    /// Q1 by type 6.
    pub q1_t6: Option<f64>,
    /// Q3 by type 6.
    pub q3_t6: Option<f64>,
    /// IQR by type 6.
    pub iqr_t6: Option<f64>,
    /// Q1 by type 7.
    pub q1_t7: Option<f64>,
    /// Q3 by type 7.
    pub q3_t7: Option<f64>,
    /// IQR by type 7.
    pub iqr_t7: Option<f64>,
    /// Count of every scale point, zeros included.
    pub counts: BTreeMap<String, u64>,
    /// Percent of n_valid at every scale point.
    pub pct_by_point: BTreeMap<String, Option<f64>>,
    /// Every value with the maximal count, ascending (`[]` when n = 0).
    pub mode: Vec<i32>,
    /// The maximal count.
    pub mode_count: u64,
    /// Configured bands, keyed `lo-hi`.
    pub bands: BTreeMap<String, BandStatistics>,
    /// Ratings in the agreement band.
    pub n_agree: u64,
    /// Ratings in the disagreement band.
    pub n_disagree: u64,
    /// 100·n_agree/n_valid.
    pub pct_agree: Option<f64>,
    /// 100·n_disagree/n_valid.
    pub pct_disagree: Option<f64>,
    /// 100·n_agree/n_responded.
    pub pct_agree_responded: Option<f64>,
    /// COMET 70/15 classification (mirror rule for "out").
    pub comet: Option<Consensus>,
    /// COMET with "out" when ≤ 50 % rate in the agreement band.
    pub comet_le50out: Option<Consensus>,
    /// 1 − s²/σ²_EU, untruncated.
    pub rwg_raw: Option<f64>,
    /// max(0, rwg_raw).
    pub rwg: Option<f64>,
    /// Mean absolute deviation from the mean.
    pub ad_mean: Option<f64>,
    /// Mean absolute deviation from the median.
    pub ad_median: Option<f64>,
    /// The RAND/UCLA block (computed for the whole panel only).
    pub rand: Option<RandBlock>,
}

impl ItemStatistics {
    /// Q1, Q3 and IQR by the chosen quantile type.
    pub fn quartiles(&self, kind: QuantileType) -> (Option<f64>, Option<f64>, Option<f64>) {
        match kind {
            QuantileType::Type7 => (self.q1_t7, self.q3_t7, self.iqr_t7),
            QuantileType::Type6 => (self.q1_t6, self.q3_t6, self.iqr_t6),
        }
    }
}

/// 100·count/n, or `None` when n = 0. Multiplying first keeps exact percentages exact.
pub fn percent(count: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| (100 * count) as f64 / n as f64)
}

/// Computes every section-3 statistic. `with_rand` adds the RAND/UCLA block (whole panel).
pub fn describe(h: &Histogram, cfg: &DescribeConfig) -> ItemStatistics {
    let n = h.n_valid();
    let n_responded = h.n_responded();
    let points = || (0..h.counts.len()).map(|i| (h.scale_min + i as i32, h.counts[i]));

    let sum: f64 = points().map(|(v, c)| f64::from(v) * c as f64).sum();
    let mean = (n > 0).then(|| sum / n as f64);
    let sum_sq_dev = mean.map(|m| {
        points()
            .map(|(v, c)| c as f64 * (f64::from(v) - m).powi(2))
            .sum::<f64>()
    });
    let var = match (n >= 2, sum_sq_dev) {
        (true, Some(ss)) => Some(ss / (n - 1) as f64),
        _ => None,
    };
    let sd = var.map(f64::sqrt);
    let cv = match (sd, mean) {
        (Some(sd), Some(m)) if m != 0.0 => Some(sd / m),
        _ => None,
    };
    let min = points().find(|(_, c)| *c > 0).map(|(v, _)| v);
    let max = points().rev().find(|(_, c)| *c > 0).map(|(v, _)| v);
    let med = median(h);
    let q = |p, t| quantile(h, p, t);
    let (q1_t6, q3_t6) = (q(25, QuantileType::Type6), q(75, QuantileType::Type6));
    let (q1_t7, q3_t7) = (q(25, QuantileType::Type7), q(75, QuantileType::Type7));
    let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);

    let mode_count = h.counts.iter().copied().max().unwrap_or(0);
    let mode = if n == 0 {
        Vec::new()
    } else {
        points()
            .filter(|(_, c)| *c == mode_count)
            .map(|(v, _)| v)
            .collect()
    };

    let bands = cfg
        .bands
        .iter()
        .map(|band| {
            let count = h.count_in(band.lo, band.hi);
            let stats = BandStatistics {
                count,
                pct_valid: percent(count, n),
                pct_responded: percent(count, n_responded),
            };
            (band.label(), stats)
        })
        .collect();
    let n_agree = h.count_in(cfg.agree.lo, cfg.agree.hi);
    let n_disagree = h.count_in(cfg.disagree.lo, cfg.disagree.hi);

    let scale_points = h.counts.len() as f64;
    let sigma_eu = (scale_points * scale_points - 1.0) / 12.0;
    let rwg_raw = var.map(|v| 1.0 - v / sigma_eu);
    let abs_dev = |centre: f64| {
        points()
            .map(|(v, c)| c as f64 * (f64::from(v) - centre).abs())
            .sum::<f64>()
            / n as f64
    };

    ItemStatistics {
        n_valid: n,
        n_utr: h.n_utr,
        n_responded,
        pct_utr: percent(h.n_utr, n_responded),
        mean,
        var,
        sd,
        cv,
        min,
        max,
        median: med,
        q1_t6,
        q3_t6,
        iqr_t6: diff(q1_t6, q3_t6),
        q1_t7,
        q3_t7,
        iqr_t7: diff(q1_t7, q3_t7),
        counts: points().map(|(v, c)| (v.to_string(), c)).collect(),
        pct_by_point: points()
            .map(|(v, c)| (v.to_string(), percent(c, n)))
            .collect(),
        mode,
        mode_count,
        bands,
        n_agree,
        n_disagree,
        pct_agree: percent(n_agree, n),
        pct_disagree: percent(n_disagree, n),
        pct_agree_responded: percent(n_agree, n_responded),
        comet: comet(n_agree, n_disagree, n, &cfg.comet),
        comet_le50out: comet_le50out(n_agree, n_disagree, n, &cfg.comet),
        rwg_raw,
        rwg: rwg_raw.map(|r| r.max(0.0)),
        ad_mean: (n >= 2).then(|| mean.map(abs_dev)).flatten(),
        ad_median: (n >= 2).then(|| med.map(abs_dev)).flatten(),
        rand: None,
    }
}

/// [`describe`] plus the RAND/UCLA block: the statistics of the whole panel.
pub fn describe_panel(h: &Histogram, cfg: &DescribeConfig) -> ItemStatistics {
    let mut stats = describe(h, cfg);
    stats.rand = rand_block(h, &cfg.rand);
    stats
}
