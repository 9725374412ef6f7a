//! Counts per scale point: the one input every per-item statistic is computed from.

use serde::{Deserialize, Serialize};

/// Ratings of one item (in one round, for one group) as counts per scale point.
///
/// Ratings are small integers, so a histogram gives exact order statistics, means,
/// variances and band percentages in one pass (STATISTICS.md section 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// The lowest scale point (`counts[0]` counts ratings equal to it).
    pub scale_min: i32,
    /// Count of each scale point from `scale_min` to `scale_max`, zeros included.
    pub counts: Vec<u64>,
    /// Answers of "unable to rate" (excluded from every statistic but reported).
    pub n_utr: u64,
}

impl Histogram {
    /// An empty histogram for the scale `scale_min..=scale_max`.
    ///
    /// A reversed scale (`scale_max < scale_min`) gives an empty `counts`.
    pub fn new(scale_min: i32, scale_max: i32) -> Self {
        let points = usize::try_from(i64::from(scale_max) - i64::from(scale_min) + 1).unwrap_or(0);
        Self {
            scale_min,
            counts: vec![0; points],
            n_utr: 0,
        }
    }

    /// The highest scale point.
    pub fn scale_max(&self) -> i32 {
        self.scale_min + self.counts.len() as i32 - 1
    }

    /// Adds one numeric rating. Returns `false` (and counts nothing) when it is off the scale.
    pub fn add(&mut self, rating: i32) -> bool {
        match usize::try_from(i64::from(rating) - i64::from(self.scale_min)) {
            Ok(index) if index < self.counts.len() => {
                self.counts[index] += 1;
                true
            }
            _ => false,
        }
    }

    /// Adds one "unable to rate" answer.
    pub fn add_unable_to_rate(&mut self) {
        self.n_utr += 1;
    }

    /// Number of numeric ratings (`n_valid`).
    pub fn n_valid(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Numeric ratings plus "unable to rate" answers (`n_responded`).
    pub fn n_responded(&self) -> u64 {
        self.n_valid() + self.n_utr
    }

    /// Number of numeric ratings in `lo..=hi` (points off the scale count as zero).
    pub fn count_in(&self, lo: i32, hi: i32) -> u64 {
        (lo.max(self.scale_min)..=hi.min(self.scale_max()))
            .map(|point| self.counts[(point - self.scale_min) as usize])
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_points_and_refuses_off_scale() {
        let mut h = Histogram::new(1, 9);
        assert!(h.add(7));
        assert!(h.add(9));
        assert!(!h.add(10));
        assert!(!h.add(0));
        h.add_unable_to_rate();
        assert_eq!(h.n_valid(), 2);
        assert_eq!(h.n_responded(), 3);
        assert_eq!(h.count_in(7, 9), 2);
        assert_eq!(h.count_in(-5, 100), 2);
        assert_eq!(h.scale_max(), 9);
    }
}
