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
    /// Which answers count in a round's results (fixed with the protocol at round 1).
    #[serde(default)]
    pub counting: CountingSettings,
    /// How the round page is laid out (not part of the protocol: it changes no result).
    #[serde(default)]
    pub pages: PageSettings,
    /// Round 1's open question ("is anything missing?"), per section or overall.
    #[serde(default)]
    pub open_questions: crate::questions::OpenQuestionSettings,
    /// The background questions asked once, after consent.
    #[serde(default)]
    pub background: Vec<crate::questions::BackgroundQuestion>,
}

/// How a round is laid out for panellists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSettings {
    /// One page per section (with a review page before submitting) or the whole round on one.
    #[serde(default)]
    pub by_section: BySection,
}

/// Whether a round is shown one section per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BySection {
    /// One page per section when the round has more than [`BySection::AUTO_ABOVE`] items.
    #[default]
    Auto,
    /// Always one page per section.
    On,
    /// Always the whole round on one page.
    Off,
}

impl BySection {
    /// Above this many items, [`BySection::Auto`] splits a round by section.
    pub const AUTO_ABOVE: usize = 20;

    /// Whether a round of `items` items in `sections` sections is shown by section (a round
    /// of one section is always one page).
    pub fn applies(self, items: usize, sections: usize) -> bool {
        sections > 1
            && match self {
                Self::Auto => items > Self::AUTO_ABOVE,
                Self::On => true,
                Self::Off => false,
            }
    }
}

/// Which answers count in a round's results. Fixed with the protocol when round 1 opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingSettings {
    /// Whether answers saved but never submitted count (default: submitted answers only).
    #[serde(default)]
    pub unsubmitted: bool,
    /// What happens to the answers a panellist submitted before withdrawing.
    #[serde(default)]
    pub withdrawn: WithdrawnAnswers,
}

/// What happens to a withdrawn panellist's earlier submitted answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawnAnswers {
    /// They still count (the usual consent text: "answers given before withdrawing are kept").
    #[default]
    Keep,
    /// They no longer count: a round that closes after the withdrawal leaves them out
    /// (rounds closed before it keep their stored results).
    Drop,
}

/// How `every_group(...)` treats a stakeholder group with fewer answers than the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortGroupPolicy {
    /// The item is not classified as consensus; the results name the group (the default).
    #[default]
    NotConsensus,
    /// The rule is applied to the groups with valid ratings only ("groups with data"); short
    /// groups are still named in the results.
    GroupsWithData,
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
    /// How `every_group(...)` treats a group short of answers.
    #[serde(default)]
    pub short_groups: ShortGroupPolicy,
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

/// The named consensus definitions researchers most often cite.
pub const PRESETS: [&str; 6] = [
    "comet",
    "comet_all_groups",
    "comet_le50out",
    "median_iqr",
    "pct75",
    "rand_ucla",
];

impl ConsensusSettings {
    /// A preset rule set written out for a `min..=max` scale. On 1–9 the bands are the
    /// GRADE thirds (7–9, 1–3); on other scales the top and bottom thirds.
    pub fn preset(name: &str, min: i32, max: i32) -> Result<Self, SettingsError> {
        let points = crate::values::scale_points(min, max).map_err(|e| SettingsError(e.0))?;
        // At most MAX_SCALE_POINTS within ±MAX_SCALE_MAGNITUDE: nothing below overflows.
        let third = (points as i32 / 3).max(1);
        let (dlo, dhi) = (min, min + third - 1);
        let (alo, ahi) = (max - third + 1, max);
        let agree_in = format!("pct({alo}, {ahi}) >= 70 && pct({dlo}, {dhi}) < 15");
        let mirror_out = format!("pct({dlo}, {dhi}) >= 70 && pct({alo}, {ahi}) < 15");
        let (consensus_in, consensus_out) = match name {
            "comet" => (agree_in, Some(mirror_out)),
            "comet_all_groups" => (
                format!("every_group({agree_in})"),
                Some(format!("every_group({mirror_out})")),
            ),
            "comet_le50out" => (agree_in, Some(format!("pct({alo}, {ahi}) <= 50"))),
            "median_iqr" => (
                format!("median >= {alo} && iqr <= 1"),
                Some(format!("median <= {dhi} && iqr <= 1")),
            ),
            "pct75" => (format!("pct({alo}, {ahi}) >= 75"), None),
            // RAND/UCLA appropriateness: the median in the top (bottom) third without
            // disagreement, i.e. not a third or more in each extreme third at once.
            "rand_ucla" => {
                let agreed =
                    format!("(3 * pct({dlo}, {dhi}) < 100 || 3 * pct({alo}, {ahi}) < 100)");
                (
                    format!("median >= {alo} && {agreed}"),
                    Some(format!("median <= {dhi} && {agreed}")),
                )
            }
            other => {
                return Err(SettingsError(format!(
                    "unknown consensus preset {other:?}; presets are {}",
                    PRESETS.join(", ")
                )))
            }
        };
        Ok(Self {
            preset: Some(name.to_owned()),
            consensus_in,
            consensus_out,
            min_n_for_classification: default_min_n(),
            quantile_type: default_quantile_type(),
            short_groups: ShortGroupPolicy::default(),
        })
    }
}

/// A setting that cannot work, with the setting named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

impl StudySettings {
    /// Checks everything that can be wrong; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<SettingsError>> {
        let mut problems = Vec::new();
        let mut problem = |text: String| problems.push(SettingsError(text));
        let scale = &self.scale;
        let points = match crate::values::scale_points(scale.min, scale.max) {
            Ok(points) => points,
            Err(err) => {
                problem(format!("scale: {err}"));
                0
            }
        };
        if points > 0 && !scale.labels.is_empty() && scale.labels.len() != points {
            problem(format!(
                "scale.labels: {} labels for {} points (give one per point or none)",
                scale.labels.len(),
                points
            ));
        }
        for (index, label) in scale.labels.iter().enumerate() {
            if let Err(err) = crate::text::clean(crate::text::TextKind::ScaleLabel, label) {
                problem(format!("scale.labels[{index}]: {err}"));
            }
        }
        for (name, [lo, hi]) in [
            ("scale.agree", scale.agree),
            ("scale.disagree", scale.disagree),
        ] {
            if lo > hi || lo < scale.min || hi > scale.max {
                problem(format!(
                    "{name}: {lo}-{hi} is not a band inside {}-{}",
                    scale.min, scale.max
                ));
            }
        }
        let consensus = &self.consensus;
        if let Some(preset) = consensus.preset.as_deref().filter(|p| !p.is_empty()) {
            if !PRESETS.contains(&preset) {
                problem(format!(
                    "consensus.preset: {preset:?} is not a preset; the presets are {}",
                    PRESETS.join(", ")
                ));
            }
        }
        if let Err(err) = crate::rule::ConsensusRule::parse(&consensus.consensus_in) {
            problem(format!("consensus.consensus_in: {err}"));
        }
        if let Some(out) = consensus
            .consensus_out
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            if let Err(err) = crate::rule::ConsensusRule::parse(out) {
                problem(format!("consensus.consensus_out: {err}"));
            }
        }
        if !matches!(consensus.quantile_type, 6 | 7) {
            problem(format!(
                "consensus.quantile_type: {} (use 7 or 6)",
                consensus.quantile_type
            ));
        }
        if self.stopping.max_rounds == 0 || self.stopping.max_rounds > 20 {
            problem(format!(
                "stopping.max_rounds: {} (use 1 to 20)",
                self.stopping.max_rounds
            ));
        }
        if let Some(outlier) = &self.outlier_reason {
            if outlier.distance.is_nan() || outlier.distance <= 0.0 {
                problem("outlier_reason.distance must be greater than 0".to_owned());
            }
        }
        for text in crate::questions::validate(&self.background) {
            problem(text);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The quantile type of median/IQR statistics and rules.
    pub fn quantile_type(&self) -> delphi_stats::QuantileType {
        delphi_stats::QuantileType::from_number(self.consensus.quantile_type).unwrap_or_default()
    }

    /// The statistics configuration matching the scale and bands.
    pub fn describe_config(&self) -> delphi_stats::DescribeConfig {
        let mut cfg = delphi_stats::DescribeConfig::for_scale(self.scale.min, self.scale.max);
        cfg.agree = delphi_stats::Band::new(self.scale.agree[0], self.scale.agree[1]);
        cfg.disagree = delphi_stats::Band::new(self.scale.disagree[0], self.scale.disagree[1]);
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_with_scale(min: i32, max: i32) -> StudySettings {
        StudySettings {
            scale: ScaleSettings {
                min,
                max,
                labels: Vec::new(),
                agree: [max, max],
                disagree: [min, min],
            },
            unable_to_rate: true,
            consensus: ConsensusSettings::preset("pct75", 1, 9).expect("a preset"),
            stopping: StoppingSettings::default(),
            feedback: FeedbackSettings::default(),
            outlier_reason: None,
            later_round_invitations: LaterRoundInvitations::default(),
            counting: CountingSettings::default(),
            pages: PageSettings::default(),
            open_questions: Default::default(),
            background: Vec::new(),
        }
    }

    #[test]
    fn rounds_above_twenty_items_go_by_section_unless_the_study_says_otherwise() {
        assert!(!BySection::Auto.applies(20, 3));
        assert!(BySection::Auto.applies(21, 3));
        assert!(!BySection::Auto.applies(60, 1), "one section is one page");
        assert!(BySection::On.applies(4, 2));
        assert!(!BySection::Off.applies(60, 3));
        let old: StudySettings = serde_json::from_value(serde_json::json!({
            "scale": {"min": 1, "max": 9, "agree": [7, 9], "disagree": [1, 3]},
            "consensus": {"consensus_in": "median >= 7"}
        }))
        .expect("settings stored before pages existed still read");
        assert_eq!(old.pages.by_section, BySection::Auto);
    }

    #[test]
    fn a_scale_over_the_whole_i32_range_is_refused_naming_the_limit() {
        let problems = settings_with_scale(i32::MIN, i32::MAX)
            .validate()
            .unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|p| p.starts_with("scale: ") && p.contains("2 to 101 points")),
            "{text:?}"
        );
        for (min, max) in [
            (1, 102),
            (0, -1),
            (5, 5),
            (-1001, -990),
            (2_000_000_000, 2_000_000_010),
        ] {
            assert!(
                settings_with_scale(min, max).validate().is_err(),
                "{min}..{max}"
            );
        }
        for (min, max) in [(1, 9), (0, 100), (-3, 3), (-1000, -900), (990, 1000)] {
            settings_with_scale(min, max)
                .validate()
                .unwrap_or_else(|e| panic!("{min}..{max}: {e:?}"));
        }
        let err = ConsensusSettings::preset("comet", i32::MIN, i32::MAX).unwrap_err();
        assert!(err.0.contains("2 to 101 points"), "{err}");
        let mut labelled = settings_with_scale(1, 3);
        labelled.scale.labels = vec!["low".into(), "mid\u{202e}".into(), "high".into()];
        let problems = labelled.validate().unwrap_err();
        assert!(
            problems[0]
                .0
                .starts_with("scale.labels[1]: the scale label has"),
            "{problems:?}"
        );
    }
}

#[cfg(test)]
mod preset_tests {
    use super::*;

    #[test]
    fn every_preset_parses_on_common_scales() {
        for name in PRESETS {
            for (min, max) in [(1, 9), (1, 5), (0, 10)] {
                let preset = ConsensusSettings::preset(name, min, max).unwrap();
                crate::rule::ConsensusRule::parse(&preset.consensus_in)
                    .unwrap_or_else(|e| panic!("{name} {min}-{max}: {e}"));
                if let Some(out) = &preset.consensus_out {
                    crate::rule::ConsensusRule::parse(out)
                        .unwrap_or_else(|e| panic!("{name} out {min}-{max}: {e}"));
                }
            }
        }
    }
}
