//! A study's settings: scale, consensus and stopping rules, feedback. Stored as JSON text.

use serde::{Deserialize, Serialize};

/// Everything a researcher configures about how a study runs and is analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySettings {
    /// The rating scale.
    pub scale: ScaleSettings,
    /// Whether panellists may answer "unable to rate".
    #[serde(default = "yes")]
    pub unable_to_rate: bool,
    /// The consensus rule.
    pub consensus: ConsensusSettings,
    /// When the study stops.
    #[serde(default)]
    pub stopping: StoppingSettings,
    /// What panellists see from round 2.
    #[serde(default)]
    pub feedback: FeedbackSettings,
    /// Ask for a reason when a new rating is far from the panel median.
    #[serde(default)]
    pub outlier_reason: Option<OutlierReasonSettings>,
    /// Who is invited to rounds after the first.
    #[serde(default)]
    pub later_round_invitations: LaterRoundInvitations,
}

fn yes() -> bool {
    true
}

/// A Likert scale `min..=max` with a label per point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleSettings {
    /// Lowest point, e.g. 1.
    pub min: i32,
    /// Highest point, e.g. 9.
    pub max: i32,
    /// One label per point, lowest first (may be empty: points are then shown as numbers).
    #[serde(default)]
    pub labels: Vec<String>,
    /// The agreement band for percent agreement, e.g. `[7, 9]`.
    pub agree: [i32; 2],
    /// The disagreement band, e.g. `[1, 3]`.
    pub disagree: [i32; 2],
}

/// The consensus definition, written as the protocol states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSettings {
    /// A preset name (e.g. `comet`, `comet_all_groups`) or empty when the rules are written out.
    #[serde(default)]
    pub preset: Option<String>,
    /// Expression for "consensus in", e.g. `pct(7, 9) >= 70 && pct(1, 3) < 15`.
    pub consensus_in: String,
    /// Expression for "consensus out" (optional).
    #[serde(default)]
    pub consensus_out: Option<String>,
    /// Fewer valid ratings than this: the item is not classified (shown as a warning).
    #[serde(default = "default_min_n")]
    pub min_n_for_classification: u32,
    /// Quantile type for median/IQR: 7 (default) or 6.
    #[serde(default = "default_quantile_type")]
    pub quantile_type: u8,
}

fn default_min_n() -> u32 {
    5
}

fn default_quantile_type() -> u8 {
    7
}

/// When a study stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoppingSettings {
    /// Stop after this many rounds.
    pub max_rounds: u32,
    /// Stop when every item is classified (in or out).
    #[serde(default)]
    pub when_all_classified: bool,
    /// Stop when the distributions change less than this (Scheibe's % change), if set.
    #[serde(default)]
    pub stability_pct: Option<f64>,
}

impl Default for StoppingSettings {
    fn default() -> Self {
        Self {
            max_rounds: 3,
            when_all_classified: true,
            stability_pct: None,
        }
    }
}

/// What panellists see about each item from round 2 on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackSettings {
    /// The panellist's own previous rating.
    pub own_previous: bool,
    /// Panel median and IQR.
    pub median_iqr: bool,
    /// Distribution chart of ratings.
    pub distribution: bool,
    /// Median per stakeholder group.
    pub group_medians: bool,
    /// The item's status (consensus in/out/none).
    pub status: bool,
    /// Comments the researcher released.
    pub comments: bool,
    /// No statistic is shown for an item with fewer responses than this.
    pub min_responses: u32,
    /// Items that reached consensus: `retire` them or keep them `for_information`.
    pub consensus_items: ConsensusItemPolicy,
}

impl Default for FeedbackSettings {
    fn default() -> Self {
        Self {
            own_previous: true,
            median_iqr: true,
            distribution: true,
            group_medians: true,
            status: true,
            comments: true,
            min_responses: 5,
            consensus_items: ConsensusItemPolicy::Retire,
        }
    }
}

/// What happens to items that reached consensus when the next round is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusItemPolicy {
    /// Not asked again.
    Retire,
    /// Shown again for information, not rated.
    ForInformation,
    /// Asked again like any other item.
    Rerate,
}

/// Prompt for a reason when a new rating sits far from the previous panel median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierReasonSettings {
    /// Ask when |rating - median| is greater than this.
    pub distance: f64,
}

/// Who is invited to round N > 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaterRoundInvitations {
    /// Panellists who submitted the previous round (the default).
    #[default]
    PreviousResponders,
    /// Everyone not withdrawn.
    AllActive,
}
