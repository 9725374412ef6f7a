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
    /// How many answers counted and how many were left out under the study's counting
    /// settings (absent in results stored before the setting acted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<AnswerCount>,
    /// Stakeholder groups with fewer valid ratings than the minimum, which kept an
    /// `every_group(...)` rule from holding (whole panel only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_groups: Vec<ShortGroup>,
    /// Stability since the previous round, when the item (or the one it rewords) was rated
    /// there (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<ItemStability>,
    /// Kendall's W over the round's rated items, the same on every whole-panel row of the
    /// round (whole panel only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_concordance: Option<Concordance>,
}

/// Answers counted and left out of one result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerCount {
    /// Answers that count (a rating or "unable to rate").
    pub counted: u64,
    /// Answers saved but never submitted, left out (the study counts submitted answers only).
    pub left_out_unsubmitted: u64,
    /// Answers of panellists who withdrew, left out (the study drops them).
    pub left_out_withdrawn: u64,
}

impl AnswerCount {
    /// Every answer left out.
    pub fn left_out(&self) -> u64 {
        self.left_out_unsubmitted + self.left_out_withdrawn
    }
}

/// A stakeholder group short of ratings for an `every_group(...)` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortGroup {
    /// The group's code.
    pub group: String,
    /// Its valid ratings.
    pub n: u64,
    /// The study's minimum.
    pub minimum: u64,
}

/// An item's stability between the previous round and this one (STATISTICS.md section 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemStability {
    /// The round compared with.
    pub previous_round: i32,
    /// Panellists with a counted rating in both rounds.
    pub n_paired: u64,
    /// The Wilcoxon signed-rank p-value on the paired ratings (absent when undefined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wilcoxon_p: Option<f64>,
    /// Scheibe's percent change between the two rounds' distributions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheibe_pct_change: Option<f64>,
}

/// Kendall's coefficient of concordance W over a round's items (STATISTICS.md section 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concordance {
    /// Panellists with a counted rating for every rated item.
    pub raters: u64,
    /// Items ranked.
    pub items: u64,
    /// Tie-corrected W (absent when undefined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w: Option<f64>,
    /// Its χ² p-value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Why W is undefined, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_stored_before_the_counting_fields_still_parses_and_round_trips() {
        let mut h = delphi_stats::Histogram::new(1, 9);
        for v in [7, 8, 8, 9, 2] {
            h.add(v);
        }
        let statistics = delphi_stats::describe_panel(&h, &delphi_stats::DescribeConfig::default());
        let old = serde_json::json!({ "statistics": statistics, "quantile_type": 7 });
        let parsed: StoredResult = serde_json::from_value(old).expect("an old row parses");
        assert_eq!(parsed.answers, None);
        assert!(parsed.short_groups.is_empty());
        let text = serde_json::to_string(&parsed).unwrap();
        assert!(
            !text.contains("answers") && !text.contains("short_groups"),
            "{text}"
        );
        let new = StoredResult {
            answers: Some(AnswerCount {
                counted: 5,
                left_out_unsubmitted: 2,
                left_out_withdrawn: 1,
            }),
            short_groups: vec![ShortGroup {
                group: "nurses".into(),
                n: 2,
                minimum: 5,
            }],
            ..parsed
        };
        let back: StoredResult =
            serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
        assert_eq!(
            (&back.answers, &back.short_groups),
            (&new.answers, &new.short_groups)
        );
        assert_eq!(back.answers.map(|a| a.left_out()), Some(3));
    }
}
