//! The stored result of one item in one closed round, for the whole panel or one
//! stakeholder group: written once when the round closes, read by every reader (panellist
//! feedback, the researcher's results, the command line, the exports and the report).

use delphi_stats::{ItemStatistics, QuantileType};
use serde::{Deserialize, Serialize};

use crate::rule::Classification;
use crate::states::Verdict;

/// The group code of whole-panel results.
pub const WHOLE_PANEL: &str = "ALL";

/// One round × item × group: the statistics and, for the whole panel, the classification
/// with the rule and the quantile type that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredResult {
    /// Every statistic of STATISTICS.md section 3.
    pub statistics: ItemStatistics,
    /// The quantile type of the median and IQR the rule and the feedback use (6 or 7).
    pub quantile_type: u8,
    /// The classification under the rule in force (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// The rule that produced the classification (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleInForce>,
    /// STATISTICS.md's `comet_all_groups` over the groups with data (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comet_all_groups: Option<delphi_stats::comet::Consensus>,
    /// The change from the previous round, when the item (or the one it rewords) was rated
    /// there (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// The consensus rule as the protocol stated it when the round closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInForce {
    /// The "consensus in" expression.
    #[serde(rename = "in")]
    pub consensus_in: String,
    /// The "consensus out" expression, if any.
    #[serde(rename = "out")]
    pub consensus_out: Option<String>,
}

/// How an item moved since the previous round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The round compared with.
    pub previous_round: i32,
    /// Median now minus median then.
    pub delta_median: Option<f64>,
    /// IQR now minus IQR then (same quantile type).
    pub delta_iqr: Option<f64>,
    /// The classification then.
    pub previous_classification: Option<Verdict>,
}

/// First quartile, third quartile and IQR of one quantile type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    /// Q1.
    pub q1: Option<f64>,
    /// Q3.
    pub q3: Option<f64>,
    /// Q3 − Q1.
    pub iqr: Option<f64>,
}

impl StoredResult {
    /// The quantile type the result was computed with (type 7 unless the study chose 6).
    pub fn quantile(&self) -> QuantileType {
        QuantileType::from_number(self.quantile_type).unwrap_or_default()
    }

    /// Q1, Q3 and IQR by the result's own quantile type.
    pub fn quartiles(&self) -> Quartiles {
        let (q1, q3, iqr) = self.statistics.quartiles(self.quantile());
        Quartiles { q1, q3, iqr }
    }

    /// The number of ratings at each point of `min..=max`, lowest first.
    pub fn counts(&self, min: i32, max: i32) -> Vec<u64> {
        (min..=max)
            .map(|point| {
                self.statistics
                    .counts
                    .get(&point.to_string())
                    .copied()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The classification's code, when the result has one.
    pub fn verdict(&self) -> Option<Verdict> {
        self.classification.as_ref().map(Classification::verdict)
    }
}
