//! Stability of one item between consecutive rounds (STATISTICS.md section 5): Wilcoxon,
//! McNemar on the agreement band, Cohen's kappa, percent unchanged, Scheibe's change and the
//! deltas of the unpaired per-round statistics.

use serde::{Deserialize, Serialize};

use crate::describe::{percent, Band};
use crate::mcnemar::{mcnemar_paired, McNemar};
use crate::quantile::{median, quantile, QuantileType};
use crate::wilcoxon::{wilcoxon, Wilcoxon};
use crate::Histogram;

/// Cohen's kappa on paired ratings, categories = every scale point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kappa {
    /// Pairs.
    pub n_pairs: u64,
    /// Share of identical pairs (absent when there are no pairs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub p_observed: Option<f64>,
    /// Agreement expected from the margins (absent when there are no pairs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub p_expected: Option<f64>,
    /// Unweighted κ; `null` when the expected agreement is 1.
    pub kappa: Option<f64>,
    /// Quadratically weighted κ; `null` when the expected squared distance is 0.
    pub kappa_quadratic: Option<f64>,
}

/// Cohen's kappa (unweighted and quadratic) of paired ratings on `scale_min..=scale_max`.
pub fn kappa(from: &[i32], to: &[i32], scale_min: i32, scale_max: i32) -> Kappa {
    let n = from.len().min(to.len()) as i128;
    if n == 0 {
        return Kappa {
            n_pairs: 0,
            p_observed: None,
            p_expected: None,
            kappa: None,
            kappa_quadratic: None,
        };
    }
    let mut h_from = Histogram::new(scale_min, scale_max);
    let mut h_to = Histogram::new(scale_min, scale_max);
    let (mut same, mut sq_obs) = (0i128, 0i128);
    for (&a, &b) in from.iter().zip(to) {
        h_from.add(a);
        h_to.add(b);
        same += i128::from(a == b);
        sq_obs += i128::from(a - b).pow(2);
    }
    let c1: Vec<i128> = h_from.counts.iter().map(|&c| i128::from(c)).collect();
    let c2: Vec<i128> = h_to.counts.iter().map(|&c| i128::from(c)).collect();
    // Everything ×n² to stay in integers.
    let expected_same: i128 = c1.iter().zip(&c2).map(|(a, b)| a * b).sum();
    let mut sq_exp = 0i128;
    for (i, a) in c1.iter().enumerate() {
        for (j, b) in c2.iter().enumerate() {
            sq_exp += a * b * (i as i128 - j as i128).pow(2);
        }
    }
    let n2 = n * n;
    Kappa {
        n_pairs: n as u64,
        p_observed: Some(same as f64 / n as f64),
        p_expected: Some(expected_same as f64 / n2 as f64),
        kappa: (expected_same != n2)
            .then(|| (n * same - expected_same) as f64 / (n2 - expected_same) as f64),
        kappa_quadratic: (sq_exp != 0).then(|| 1.0 - (n * sq_obs) as f64 / sq_exp as f64),
    }
}

/// Scheibe's percent change: 100 × the total-variation distance between two rounds'
/// distributions of all valid ratings; `None` when either round has none.
pub fn scheibe_pct_change(from: &Histogram, to: &Histogram) -> Option<f64> {
    let (n0, n1) = (u128::from(from.n_valid()), u128::from(to.n_valid()));
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let lo = from.scale_min.min(to.scale_min);
    let hi = from.scale_max().max(to.scale_max());
    let numerator: u128 = (lo..=hi)
        .map(|k| {
            let c0 = u128::from(from.count_in(k, k));
            let c1 = u128::from(to.count_in(k, k));
            (c1 * n0).abs_diff(c0 * n1)
        })
        .sum();
    Some((50 * numerator) as f64 / (n0 * n1) as f64)
}

/// The stability block of one item between two rounds; field names as in the oracle JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Item identifier.
    pub item_id: String,
    /// Earlier round.
    pub round_from: i64,
    /// Later round.
    pub round_to: i64,
    /// Panellists with a numeric rating in both rounds.
    pub n_paired: u64,
    /// Wilcoxon signed-rank test.
    pub wilcoxon: Wilcoxon,
    /// McNemar on "rating in the agreement band".
    pub mcnemar_agree_band: McNemar,
    /// Cohen's kappa.
    pub kappa: Kappa,
    /// 100·#(unchanged)/n_paired.
    pub pct_unchanged: Option<f64>,
    /// Scheibe's percent change (unpaired; absent when a round has no valid rating).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scheibe_pct_change: Option<f64>,
    /// Median(to) − median(from), unpaired.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub delta_median: Option<f64>,
    /// IQR type 7 (to) − (from), unpaired.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub delta_iqr_t7: Option<f64>,
    /// CV of the earlier round.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cv_from: Option<f64>,
    /// CV of the later round.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cv_to: Option<f64>,
    /// cv_to − cv_from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub delta_cv: Option<f64>,
    /// (cv_to − cv_from)/cv_from (`null` when cv_from = 0).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rel_change_cv: Option<Option<f64>>,
}

/// Everything [`stability`] needs for one item.
#[derive(Debug, Clone, Copy)]
pub struct StabilityInput<'a> {
    /// Paired numeric ratings of the earlier round.
    pub paired_from: &'a [i32],
    /// The same panellists' ratings in the later round.
    pub paired_to: &'a [i32],
    /// All valid ratings of the earlier round (unpaired).
    pub all_from: &'a Histogram,
    /// All valid ratings of the later round (unpaired).
    pub all_to: &'a Histogram,
    /// The agreement band for McNemar.
    pub agree: Band,
}

fn iqr7(h: &Histogram) -> Option<f64> {
    Some(quantile(h, 75, QuantileType::Type7)? - quantile(h, 25, QuantileType::Type7)?)
}

fn cv(h: &Histogram) -> Option<f64> {
    let n = h.n_valid();
    if n < 2 {
        return None;
    }
    let points = || (0..h.counts.len()).map(|i| (f64::from(h.scale_min + i as i32), h.counts[i]));
    let mean = points().map(|(v, c)| v * c as f64).sum::<f64>() / n as f64;
    let ss: f64 = points().map(|(v, c)| c as f64 * (v - mean).powi(2)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    (mean != 0.0).then(|| sd / mean)
}

/// The stability block of `item_id` between `round_from` and `round_to`.
pub fn stability(
    item_id: &str,
    round_from: i64,
    round_to: i64,
    input: &StabilityInput<'_>,
) -> Stability {
    let (x0, x1) = (input.paired_from, input.paired_to);
    let n_paired = x0.len().min(x1.len()) as u64;
    let in_band = |x: i32| input.agree.lo <= x && x <= input.agree.hi;
    let unchanged = x0.iter().zip(x1).filter(|(a, b)| a == b).count() as u64;
    let (h0, h1) = (input.all_from, input.all_to);
    let both = h0.n_valid() > 0 && h1.n_valid() > 0;
    let pair_opt = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    let (cv_from, cv_to) = if both { (cv(h0), cv(h1)) } else { (None, None) };
    let cvs = cv_from.zip(cv_to);
    Stability {
        item_id: item_id.to_owned(),
        round_from,
        round_to,
        n_paired,
        wilcoxon: wilcoxon(x0, x1),
        mcnemar_agree_band: mcnemar_paired(
            x0.iter().zip(x1).map(|(&a, &b)| (in_band(a), in_band(b))),
        ),
        kappa: kappa(x0, x1, h0.scale_min, h0.scale_max()),
        pct_unchanged: percent(unchanged, n_paired),
        scheibe_pct_change: scheibe_pct_change(h0, h1),
        delta_median: if both {
            pair_opt(median(h0), median(h1))
        } else {
            None
        },
        delta_iqr_t7: if both {
            pair_opt(iqr7(h0), iqr7(h1))
        } else {
            None
        },
        cv_from: cvs.map(|c| c.0),
        cv_to: cvs.map(|c| c.1),
        delta_cv: cvs.map(|(a, b)| b - a),
        rel_change_cv: cvs.map(|(a, b)| (a != 0.0).then(|| (b - a) / a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_of_a_small_i1() {
        // a_small I1: round 1 → round 2 (oracle: κ = 0.375, κ_q = 0.5454...).
        let k = kappa(&[7, 8, 9, 7, 8], &[8, 8, 8, 7, 8], 1, 9);
        assert_eq!(k.n_pairs, 5);
        let kq = k.kappa_quadratic.expect("defined");
        assert!(k.kappa.is_some() && kq > 0.0);
    }

    #[test]
    fn kappa_undefined_when_everyone_gives_one_value() {
        let k = kappa(&[7, 7, 7], &[7, 7, 7], 1, 9);
        assert_eq!(k.kappa, None);
        assert_eq!(k.kappa_quadratic, None);
    }

    #[test]
    fn scheibe_is_total_variation() {
        let mut a = Histogram::new(1, 9);
        let mut b = Histogram::new(1, 9);
        for v in [7, 7, 8, 9] {
            a.add(v);
        }
        for v in [7, 8, 8, 9] {
            b.add(v);
        }
        assert_eq!(scheibe_pct_change(&a, &b), Some(25.0));
    }
}
