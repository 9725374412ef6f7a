//! Kendall's coefficient of concordance W with the tie correction (STATISTICS.md section 4).
//!
//! Ranks are mid-ranks. Everything up to the final division is done in integers on doubled
//! ranks, so W is exact up to one rounding.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Kendall's W for one raters × items matrix. Undefined values are `None` (`null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KendallW {
    /// Raters used (m).
    pub m_raters: u64,
    /// Items ranked (n); 0 when there are no raters.
    pub n_items: u64,
    /// Rank sum of every item, in the order of the matrix columns (absent when undefined).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rank_sums: Option<Vec<f64>>,
    /// S = Σ (Rⱼ − R̄)².
    #[serde(rename = "S")]
    pub s: Option<f64>,
    /// T = Σ over raters and tie groups of t³ − t.
    #[serde(rename = "T_sum")]
    pub t_sum: Option<u64>,
    /// 12S / (m²(n³ − n)).
    #[serde(rename = "W_uncorrected")]
    pub w_uncorrected: Option<f64>,
    /// Tie-corrected W = 12S / (m²(n³ − n) − mT).
    #[serde(rename = "W")]
    pub w: Option<f64>,
    /// m(n − 1)W, the tie-corrected Friedman statistic.
    pub chi2: Option<f64>,
    /// n − 1.
    pub df: Option<u64>,
    /// P(χ²_df ≥ chi2), from the upper tail.
    pub p_value: Option<f64>,
    /// Why W is undefined, when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// Set when the χ² p-value is a poor approximation (fewer than 7 items).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warning: Option<String>,
}

/// Below this many items the χ² approximation of W's p-value is poor (STATISTICS.md 4).
pub const CHI2_MIN_ITEMS: u64 = 7;

/// Accumulates raters one at a time (one pass, no matrix kept).
#[derive(Debug, Clone)]
pub struct KendallAccumulator {
    /// Doubled rank sums per item.
    rank_sums2: Vec<u64>,
    /// Σ (t³ − t) over all raters' tie groups.
    t_sum: u64,
    m: u64,
    scratch: Vec<u64>,
}

impl KendallAccumulator {
    /// An accumulator for `n_items` items.
    pub fn new(n_items: usize) -> Self {
        Self {
            rank_sums2: vec![0; n_items],
            t_sum: 0,
            m: 0,
            scratch: Vec::new(),
        }
    }

    /// Adds one rater's ratings of every item (same order as the other raters).
    /// Ratings are small integers, so mid-ranks come from counts per value.
    pub fn add_rater(&mut self, ratings: &[i32]) {
        debug_assert_eq!(ratings.len(), self.rank_sums2.len());
        let Some(&lo) = ratings.iter().min() else {
            self.m += 1;
            return;
        };
        let hi = ratings.iter().copied().max().unwrap_or(lo);
        let span = usize::try_from(i64::from(hi) - i64::from(lo) + 1).unwrap_or(usize::MAX);
        if span <= 4 * ratings.len() + 64 {
            self.add_by_counts(ratings, lo, span);
        } else {
            self.add_by_sorting(ratings);
        }
        self.m += 1;
    }

    fn add_by_counts(&mut self, ratings: &[i32], lo: i32, span: usize) {
        let counts = &mut self.scratch;
        counts.clear();
        counts.resize(span, 0);
        for &r in ratings {
            counts[(r - lo) as usize] += 1;
        }
        // Turn counts into doubled mid-ranks: 2·(before + (t + 1)/2) = 2·before + t + 1.
        let mut before = 0;
        for slot in counts.iter_mut() {
            let t = *slot;
            if t > 1 {
                self.t_sum += t * t * t - t;
            }
            *slot = 2 * before + t + 1;
            before += t;
        }
        for (sum, &r) in self.rank_sums2.iter_mut().zip(ratings) {
            *sum += counts[(r - lo) as usize];
        }
    }

    fn add_by_sorting(&mut self, ratings: &[i32]) {
        let mut order: Vec<usize> = (0..ratings.len()).collect();
        order.sort_by_key(|&i| ratings[i]);
        let mut start = 0;
        while start < order.len() {
            let mut end = start + 1;
            while end < order.len() && ratings[order[end]] == ratings[order[start]] {
                end += 1;
            }
            let t = (end - start) as u64;
            if t > 1 {
                self.t_sum += t * t * t - t;
            }
            let rank2 = 2 * start as u64 + t + 1;
            for &i in &order[start..end] {
                self.rank_sums2[i] += rank2;
            }
            start = end;
        }
    }

    /// W, χ² and the p-value for the raters added so far.
    pub fn finish(&self) -> KendallW {
        let m = self.m;
        let n = if m == 0 {
            0
        } else {
            self.rank_sums2.len() as u64
        };
        if m < 2 || n < 2 {
            return KendallW {
                m_raters: m,
                n_items: n,
                rank_sums: None,
                s: None,
                t_sum: None,
                w_uncorrected: None,
                w: None,
                chi2: None,
                df: None,
                p_value: None,
                reason: Some("need at least 2 raters and 2 items".to_owned()),
                warning: None,
            };
        }
        // Doubled: 2Rⱼ − 2R̄ = rank_sums2 − m(n+1); S = Σ(that)²/4.
        let centre = i128::from(m) * i128::from(n + 1);
        let s4: i128 = self
            .rank_sums2
            .iter()
            .map(|&r| (i128::from(r) - centre).pow(2))
            .sum();
        let (m_i, n_i) = (i128::from(m), i128::from(n));
        let den_u = m_i * m_i * (n_i * n_i * n_i - n_i);
        let den_c = den_u - m_i * i128::from(self.t_sum);
        // 12S = 3·s4.
        let w_uncorrected = (3 * s4) as f64 / den_u as f64;
        let mut out = KendallW {
            m_raters: m,
            n_items: n,
            rank_sums: Some(self.rank_sums2.iter().map(|&r| r as f64 / 2.0).collect()),
            s: Some(s4 as f64 / 4.0),
            t_sum: Some(self.t_sum),
            w_uncorrected: Some(w_uncorrected),
            w: None,
            chi2: None,
            df: Some(n - 1),
            p_value: None,
            reason: None,
            warning: None,
        };
        if den_c == 0 {
            out.reason = Some("every rater tied all items".to_owned());
            return out;
        }
        let w = (3 * s4) as f64 / den_c as f64;
        // χ² = m(n−1)W, computed from the integers to keep one rounding.
        let chi2 = (3 * s4 * m_i * (n_i - 1)) as f64 / den_c as f64;
        out.w = Some(w);
        out.chi2 = Some(chi2);
        out.p_value = chi_square_sf(chi2, (n - 1) as f64);
        if n < CHI2_MIN_ITEMS {
            out.warning = Some(format!(
                "only {n} items: the chi-square p-value is a poor approximation below {CHI2_MIN_ITEMS}"
            ));
        }
        out
    }
}

/// P(χ²_df ≥ x) from statrs's upper tail (`sf`, never `1 − cdf`).
pub fn chi_square_sf(x: f64, df: f64) -> Option<f64> {
    ChiSquared::new(df).ok().map(|d| d.sf(x))
}

/// Kendall's W of a complete raters × items matrix (each row one rater).
pub fn kendall_w(rows: &[Vec<i32>]) -> KendallW {
    let n = rows.first().map_or(0, Vec::len);
    let mut acc = KendallAccumulator::new(n);
    for row in rows {
        acc.add_rater(row);
    }
    acc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_of_section_4() {
        let rows = vec![
            vec![7, 1, 2, 4],
            vec![8, 5, 3, 4],
            vec![9, 9, 2, 4],
            vec![7, 5, 8, 4],
        ];
        let w = kendall_w(&rows);
        assert_eq!(w.rank_sums, Some(vec![14.5, 9.5, 8.0, 8.0]));
        assert_eq!(w.s, Some(28.5));
        assert_eq!(w.t_sum, Some(6));
        assert!((w.w_uncorrected.expect("defined") - 0.35625).abs() < 1e-12);
        assert!((w.w.expect("defined") - 342.0 / 936.0).abs() < 1e-12);
        assert!((w.p_value.expect("defined") - 0.2228161449757514).abs() < 1e-9);
    }

    #[test]
    fn sorting_path_equals_counting_path() {
        let rows = vec![
            vec![1, 1_000_000, 5, 5],
            vec![3, 2, 1, 4],
            vec![-7, 0, 0, 9],
        ];
        let mut sorted = KendallAccumulator::new(4);
        let mut counted = KendallAccumulator::new(4);
        for row in &rows {
            sorted.add_by_sorting(row);
            sorted.m += 1;
            let lo = *row.iter().min().expect("non-empty");
            let hi = *row.iter().max().expect("non-empty");
            counted.add_by_counts(row, lo, (hi - lo + 1) as usize);
            counted.m += 1;
        }
        assert_eq!(sorted.finish(), counted.finish());
    }

    #[test]
    fn undefined_cases() {
        assert_eq!(kendall_w(&[vec![1, 2, 3]]).w, None);
        let tied = kendall_w(&[vec![5, 5, 5], vec![7, 7, 7]]);
        assert_eq!(tied.w, None);
        assert_eq!(tied.w_uncorrected, Some(0.0));
        assert_eq!(tied.reason.as_deref(), Some("every rater tied all items"));
    }
}
