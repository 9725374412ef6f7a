//! Wilcoxon signed-rank test on paired ratings (STATISTICS.md 5.1): zeros discarded,
//! mid-ranks, the exact conditional p and the tie-corrected normal approximation.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Up to this many non-zero differences the platform's `p_value` is the exact conditional p.
pub const EXACT_MAX_NONZERO: u64 = 50;

/// The exact conditional p is computed up to this many non-zero differences (`null` beyond;
/// it costs n′ · n′(n′+1) steps, so 400 took 20 ms an item and a 1,000-panellist report 2 s).
/// Counts are exact integers up to 60; beyond that the dynamic program uses probabilities.
pub const EXACT_COMPUTED_MAX_NONZERO: u64 = 100;

/// The Wilcoxon block of one item between two rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Pairs (panellists with a numeric rating in both rounds).
    pub n_pairs: u64,
    /// Pairs with d = 0 (discarded).
    pub n_zero: u64,
    /// n′, pairs with d ≠ 0.
    pub n_nonzero: u64,
    /// Set when there are no pairs at all.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// Sum of the ranks of positive differences.
    #[serde(rename = "W_plus")]
    pub w_plus: f64,
    /// Sum of the ranks of negative differences.
    #[serde(rename = "W_minus")]
    pub w_minus: f64,
    /// min(W⁺, W⁻), scipy's two-sided statistic.
    #[serde(rename = "T")]
    pub t: f64,
    /// Whether |d| has tied values (absent when n′ = 0).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub has_ties: Option<bool>,
    /// Σ (t³ − t) over tie groups of |d|.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tie_term_sum_t3_minus_t: Option<u64>,
    /// n′(n′+1)/4.
    #[serde(rename = "mean_W", skip_serializing_if = "Option::is_none", default)]
    pub mean_w: Option<f64>,
    /// n′(n′+1)(2n′+1)/24 − Σ(t³ − t)/48.
    #[serde(rename = "var_W", skip_serializing_if = "Option::is_none", default)]
    pub var_w: Option<f64>,
    /// (W⁺ − μ)/σ.
    pub z: Option<f64>,
    /// Two-sided normal p with tie correction, no continuity correction.
    pub p_normal: Option<f64>,
    /// z with continuity correction.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub z_cc: Option<f64>,
    /// Two-sided normal p with tie and continuity correction.
    pub p_normal_cc: Option<f64>,
    /// Exact conditional (permutation) p given the mid-ranks.
    pub p_exact_conditional: Option<f64>,
    /// The platform default: exact when n′ ≤ 50, normal otherwise.
    pub p_value: Option<f64>,
    /// `exact_conditional` or `normal_tie_corrected_no_cc`.
    pub method: Option<String>,
    /// Nobody changed (pairs exist, all d = 0).
    pub no_change: bool,
    /// 1 ≤ n′ ≤ 5: no two-sided p can fall below 0.05 (the minimum is 2/2ⁿ′).
    pub underpowered: bool,
    /// What R's `wilcox.test(paired = TRUE)` reports by default.
    #[serde(
        rename = "p_R_wilcox_test_default",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub p_r_wilcox_test_default: Option<f64>,
}

/// Two-sided p from the standard normal upper tail.
fn two_sided_normal(z: f64) -> Option<f64> {
    let normal = Normal::new(0.0, 1.0).ok()?;
    Some((2.0 * normal.sf(z.abs())).min(1.0))
}

/// The test on paired ratings `from[i]` → `to[i]` (d = to − from).
pub fn wilcoxon(from: &[i32], to: &[i32]) -> Wilcoxon {
    let diffs: Vec<i64> = from
        .iter()
        .zip(to)
        .map(|(&a, &b)| i64::from(b) - i64::from(a))
        .collect();
    wilcoxon_differences(&diffs)
}

/// The test on differences d (zeros are discarded).
pub fn wilcoxon_differences(diffs: &[i64]) -> Wilcoxon {
    let n_pairs = diffs.len() as u64;
    let mut nonzero: Vec<i64> = diffs.iter().copied().filter(|&d| d != 0).collect();
    let n = nonzero.len() as u64;
    let mut out = Wilcoxon {
        n_pairs,
        n_zero: n_pairs - n,
        n_nonzero: n,
        reason: (n_pairs == 0).then(|| "no paired ratings".to_owned()),
        w_plus: 0.0,
        w_minus: 0.0,
        t: 0.0,
        has_ties: None,
        tie_term_sum_t3_minus_t: None,
        mean_w: None,
        var_w: None,
        z: None,
        p_normal: None,
        z_cc: None,
        p_normal_cc: None,
        p_exact_conditional: None,
        p_value: None,
        method: None,
        no_change: n_pairs > 0 && n == 0,
        underpowered: (1..=5).contains(&n),
        p_r_wilcox_test_default: None,
    };
    if n == 0 {
        return out;
    }
    // Mid-ranks of |d|, doubled so that they are integers.
    nonzero.sort_by_key(|d| d.unsigned_abs());
    let mut doubled_ranks = Vec::with_capacity(nonzero.len());
    let (mut w2_plus, mut w2_minus, mut tie_sum) = (0u64, 0u64, 0u64);
    let mut has_ties = false;
    let mut start = 0;
    while start < nonzero.len() {
        let magnitude = nonzero[start].unsigned_abs();
        let mut end = start + 1;
        while end < nonzero.len() && nonzero[end].unsigned_abs() == magnitude {
            end += 1;
        }
        let t = (end - start) as u64;
        if t > 1 {
            has_ties = true;
            tie_sum += t * t * t - t;
        }
        let rank2 = 2 * start as u64 + t + 1;
        for &d in &nonzero[start..end] {
            doubled_ranks.push(rank2);
            if d > 0 {
                w2_plus += rank2;
            } else {
                w2_minus += rank2;
            }
        }
        start = end;
    }
    out.w_plus = w2_plus as f64 / 2.0;
    out.w_minus = w2_minus as f64 / 2.0;
    out.t = out.w_plus.min(out.w_minus);
    out.has_ties = Some(has_ties);
    out.tie_term_sum_t3_minus_t = Some(tie_sum);
    // μ and σ² scaled by 48 to stay in integers.
    let mean48 = 12 * n * (n + 1);
    let var48 = 2 * n * (n + 1) * (2 * n + 1) - tie_sum;
    out.mean_w = Some(mean48 as f64 / 48.0);
    out.var_w = Some(var48 as f64 / 48.0);
    if var48 > 0 {
        let sd = (var48 as f64 / 48.0).sqrt();
        // W⁺ − μ = (24·2W⁺ − 48μ)/48.
        let diff48 = 24 * i128::from(w2_plus) - i128::from(mean48);
        let z = diff48 as f64 / 48.0 / sd;
        let cc48 = diff48 - 24 * diff48.signum();
        let z_cc = cc48 as f64 / 48.0 / sd;
        out.z = Some(z);
        out.p_normal = two_sided_normal(z);
        out.z_cc = Some(z_cc);
        out.p_normal_cc = two_sided_normal(z_cc);
    }
    out.p_exact_conditional = exact_conditional_p(&doubled_ranks, w2_plus);
    if n <= EXACT_MAX_NONZERO {
        out.p_value = out.p_exact_conditional;
        out.method = Some("exact_conditional".to_owned());
    } else {
        out.p_value = out.p_normal;
        out.method = Some("normal_tie_corrected_no_cc".to_owned());
    }
    // R: exact when n′ < 50 with no ties and no zeros; otherwise normal with continuity correction.
    out.p_r_wilcox_test_default = if n < 50 && !has_ties && out.n_zero == 0 {
        out.p_exact_conditional
    } else {
        out.p_normal_cc
    };
    out
}

/// p = min(1, 2·min(P(2W⁺ ≤ w2), P(2W⁺ ≥ w2))) over all 2ⁿ sign patterns of the mid-ranks.
fn exact_conditional_p(doubled_ranks: &[u64], w2_plus: u64) -> Option<f64> {
    let n = doubled_ranks.len() as u64;
    if n > EXACT_COMPUTED_MAX_NONZERO {
        return None;
    }
    let total: u64 = doubled_ranks.iter().sum();
    let size = usize::try_from(total).ok()? + 1;
    let w = usize::try_from(w2_plus).ok()?;
    if n <= 60 {
        // Exact subset-sum counts; 2⁶⁰ fits in u64.
        let mut dist = vec![0u64; size];
        dist[0] = 1;
        let mut reach = 0;
        for &r in doubled_ranks {
            let r = r as usize;
            reach += r;
            for s in (r..=reach).rev() {
                dist[s] += dist[s - r];
            }
        }
        let le: u64 = dist[..=w].iter().sum();
        let ge: u64 = dist[w..].iter().sum();
        let tail = le.min(ge) as f64;
        Some((2.0 * tail / (n as f64).exp2()).min(1.0))
    } else {
        // Probabilities: each step halves, so the total stays 1.
        let mut dist = vec![0f64; size];
        dist[0] = 1.0;
        let mut reach = 0;
        for &r in doubled_ranks {
            let r = r as usize;
            reach += r;
            for s in (0..=reach).rev() {
                let with = if s >= r { dist[s - r] } else { 0.0 };
                dist[s] = 0.5 * (dist[s] + with);
            }
        }
        let le: f64 = dist[..=w].iter().sum();
        let ge: f64 = dist[w..].iter().sum();
        Some((2.0 * le.min(ge)).min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classical_exact_without_ties() {
        // d = 1..=5 all positive: P(W⁺ ≥ 15) = 1/32, two-sided 1/16.
        let w = wilcoxon_differences(&[1, 2, 3, 4, 5]);
        assert_eq!(w.w_plus, 15.0);
        assert_eq!(w.p_exact_conditional, Some(0.0625));
        assert_eq!(w.method.as_deref(), Some("exact_conditional"));
    }

    #[test]
    fn both_dynamic_programs_agree() {
        let ranks: Vec<u64> = (1..=40).map(|r| 2 * r).collect();
        for w in [100usize, 400, 820, 1640] {
            let exact = exact_conditional_p(&ranks, w as u64).expect("computed");
            let mut dist = vec![0f64; 1641];
            dist[0] = 1.0;
            for &r in &ranks {
                for s in (0..dist.len()).rev() {
                    let with = if s >= r as usize {
                        dist[s - r as usize]
                    } else {
                        0.0
                    };
                    dist[s] = 0.5 * (dist[s] + with);
                }
            }
            let le: f64 = dist[..=w].iter().sum();
            let ge: f64 = dist[w..].iter().sum();
            let approx = (2.0f64 * le.min(ge)).min(1.0);
            assert!((exact - approx).abs() <= 1e-12 * exact.max(1e-300), "{w}");
        }
    }

    #[test]
    fn no_pairs_and_no_change() {
        let none = wilcoxon(&[], &[]);
        assert_eq!(none.reason.as_deref(), Some("no paired ratings"));
        assert!(!none.no_change);
        let same = wilcoxon(&[3, 4], &[3, 4]);
        assert!(same.no_change);
        assert_eq!(same.p_value, None);
    }
}
