//! Quantiles by Hyndman–Fan type 7 (R, Excel `.INC`, numpy, pandas) and type 6 (SPSS,
//! Minitab, Excel `.EXC`), computed with integer positions (STATISTICS.md section 2.3).

use serde::{Deserialize, Serialize};

use crate::Histogram;

/// Which quantile definition to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum QuantileType {
    /// h = (n − 1)p + 1: R's default, Excel `PERCENTILE.INC`, numpy, pandas.
    #[default]
    #[serde(rename = "7")]
    Type7,
    /// h = (n + 1)p: SPSS `HAVERAGE`, Minitab, Excel `PERCENTILE.EXC`.
    #[serde(rename = "6")]
    Type6,
}

impl QuantileType {
    /// The type from its Hyndman–Fan number (6 or 7).
    pub fn from_number(number: u8) -> Option<Self> {
        match number {
            7 => Some(Self::Type7),
            6 => Some(Self::Type6),
            _ => None,
        }
    }

    /// The Hyndman–Fan number.
    pub fn number(self) -> u8 {
        match self {
            Self::Type7 => 7,
            Self::Type6 => 6,
        }
    }

    /// The 1-based order statistic `j` and the fraction `g` (as hundredths) for `percent`.
    /// Returns `None` when `n` is 0. `j` is clamped to `1..=n` as R's `quantile.default` does.
    fn position(self, n: u64, percent: u32) -> Option<(u64, u64, u64)> {
        if n == 0 {
            return None;
        }
        let percent = u64::from(percent.min(100));
        let (j, g) = match self {
            Self::Type7 => {
                let h = (n - 1) * percent;
                (1 + h / 100, h % 100)
            }
            Self::Type6 => {
                let h = (n + 1) * percent;
                (h / 100, h % 100)
            }
        };
        // Pad: x(0) := x(1) and x(n+1) := x(n).
        if j == 0 {
            return Some((1, 1, 0));
        }
        if j >= n {
            return Some((n, n, 0));
        }
        Some((j, j + 1, g))
    }
}

/// The `percent`-th quantile of sorted data.
pub fn quantile_sorted(sorted: &[f64], percent: u32, kind: QuantileType) -> Option<f64> {
    let (lo, hi, g) = kind.position(sorted.len() as u64, percent)?;
    let x_lo = sorted[(lo - 1) as usize];
    let x_hi = sorted[(hi - 1) as usize];
    Some(interpolate(x_lo, x_hi, g))
}

/// The `percent`-th quantile of the numeric ratings in a histogram (exact order statistics).
pub fn quantile(h: &Histogram, percent: u32, kind: QuantileType) -> Option<f64> {
    let (lo, hi, g) = kind.position(h.n_valid(), percent)?;
    let x_lo = order_statistic(h, lo);
    let x_hi = if hi == lo {
        x_lo
    } else {
        order_statistic(h, hi)
    };
    Some(interpolate(f64::from(x_lo), f64::from(x_hi), g))
}

fn interpolate(x_lo: f64, x_hi: f64, g_hundredths: u64) -> f64 {
    if g_hundredths == 0 || x_lo == x_hi {
        x_lo
    } else {
        x_lo + (g_hundredths as f64 / 100.0) * (x_hi - x_lo)
    }
}

/// The `k`-th smallest rating (1-based); `k` must be in `1..=n_valid`.
pub(crate) fn order_statistic(h: &Histogram, k: u64) -> i32 {
    let mut seen = 0;
    for (index, count) in h.counts.iter().enumerate() {
        seen += count;
        if seen >= k {
            return h.scale_min + index as i32;
        }
    }
    h.scale_max()
}

/// The median: the middle order statistic, or the mean of the two middle ones.
pub fn median(h: &Histogram) -> Option<f64> {
    let n = h.n_valid();
    if n == 0 {
        return None;
    }
    let lower = order_statistic(h, n.div_ceil(2));
    let upper = order_statistic(h, n / 2 + 1);
    if n % 2 == 1 {
        Some(f64::from(lower))
    } else {
        Some((f64::from(lower) + f64::from(upper)) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: &[i32]) -> Histogram {
        let mut h = Histogram::new(1, 10);
        for v in values {
            assert!(h.add(*v));
        }
        h
    }

    #[test]
    fn worked_examples_of_section_2_4() {
        let cases: [(&[i32], f64, f64, f64, f64); 5] = [
            (&[1, 2, 3, 4], 1.75, 3.25, 1.25, 3.75),
            (&[1, 5, 5, 9], 4.0, 6.0, 2.0, 8.0),
            (&[7, 7, 8, 8, 9], 7.0, 8.0, 7.0, 8.5),
            (&[3, 8], 4.25, 6.75, 3.0, 8.0),
            (&[1, 5, 9], 3.0, 7.0, 1.0, 9.0),
        ];
        for (data, q1_7, q3_7, q1_6, q3_6) in cases {
            let h = hist(data);
            assert_eq!(
                quantile(&h, 25, QuantileType::Type7),
                Some(q1_7),
                "{data:?}"
            );
            assert_eq!(
                quantile(&h, 75, QuantileType::Type7),
                Some(q3_7),
                "{data:?}"
            );
            assert_eq!(
                quantile(&h, 25, QuantileType::Type6),
                Some(q1_6),
                "{data:?}"
            );
            assert_eq!(
                quantile(&h, 75, QuantileType::Type6),
                Some(q3_6),
                "{data:?}"
            );
        }
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(quantile(&hist(&[]), 50, QuantileType::Type7), None);
        assert_eq!(median(&hist(&[])), None);
        let h = hist(&[4]);
        for p in [0, 25, 50, 75, 100] {
            assert_eq!(quantile(&h, p, QuantileType::Type6), Some(4.0));
            assert_eq!(quantile(&h, p, QuantileType::Type7), Some(4.0));
        }
        assert_eq!(median(&hist(&[3, 8])), Some(5.5));
    }
}
