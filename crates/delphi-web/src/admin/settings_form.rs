//! The settings form's fields read into [`StudySettings`], each bad field named. The scale is
//! not on this form (it is set when the study is created and locked with round 1).

use delphi_app::AppError;
use delphi_core::questions::{self, OpenQuestionSettings};
use delphi_core::settings::{
    BySection, ConsensusItemPolicy, ConsensusSettings, CountingSettings, FeedbackSettings,
    LaterRoundInvitations, OutlierReasonSettings, PageSettings, ShortGroupPolicy, StoppingSettings,
    StudySettings, WithdrawnAnswers, PRESETS,
};
use serde::Deserialize;

/// The settings form as posted (checkboxes are present only when ticked).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    /// `save` or `preview`.
    pub action: String,
    /// A preset's name, or `custom` for the expressions below.
    pub preset: String,
    pub consensus_in: String,
    pub consensus_out: String,
    pub min_n_for_classification: String,
    pub quantile_type: String,
    pub short_groups: String,
    pub max_rounds: String,
    pub when_all_classified: Option<String>,
    pub stability_pct: String,
    pub own_previous: Option<String>,
    pub median_iqr: Option<String>,
    pub distribution: Option<String>,
    pub group_medians: Option<String>,
    pub status: Option<String>,
    pub comments: Option<String>,
    pub min_responses: String,
    pub consensus_items: String,
    pub outlier_distance: String,
    pub later_round_invitations: String,
    pub counting_unsubmitted: Option<String>,
    pub counting_withdrawn: String,
    /// `auto`, `on` or `off`: the round one section per page.
    pub by_section: String,
    /// Round 1 asks "is anything missing?" after each section.
    pub open_per_section: Option<String>,
    /// Round 1 asks "is anything missing?" once, after the items.
    pub open_overall: Option<String>,
    /// The background questions, one a line (`delphi_core::questions::parse_lines`).
    pub background: String,
    /// Why, when the change amends a locked protocol.
    pub reason: String,
}

fn number<T: std::str::FromStr>(field: &str, text: &str) -> Result<T, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, format!("{field}: {text:?} is not a number")))
}

fn optional_number(field: &str, text: &str) -> Result<Option<f64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => number::<f64>(field, t)
            .and_then(|v| {
                v.is_finite()
                    .then_some(v)
                    .ok_or_else(|| AppError::invalid(field, format!("{field}: not a number")))
            })
            .map(Some),
    }
}

fn choice<T: Copy>(field: &str, text: &str, options: &[(&str, T)]) -> Result<T, AppError> {
    options
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            AppError::invalid(
                field,
                format!("{field}: choose one of {}", names.join(", ")),
            )
        })
}

/// The consensus part of the form (the preset's rules, or the written ones for `custom`).
pub fn consensus_of(
    form: &SettingsForm,
    current: &StudySettings,
) -> Result<ConsensusSettings, AppError> {
    let (min, max) = (current.scale.min, current.scale.max);
    let mut consensus = match form.preset.as_str() {
        "custom" | "" => ConsensusSettings {
            preset: None,
            consensus_in: form.consensus_in.trim().to_owned(),
            consensus_out: Some(form.consensus_out.trim().to_owned()).filter(|s| !s.is_empty()),
            ..current.consensus.clone()
        },
        name if PRESETS.contains(&name) => ConsensusSettings::preset(name, min, max)
            .map_err(|e| AppError::invalid("preset", e.0))?,
        other => {
            return Err(AppError::invalid(
                "preset",
                format!(
                    "{other:?} is not a preset; the presets are {}",
                    PRESETS.join(", ")
                ),
            ))
        }
    };
    if consensus.consensus_in.is_empty() {
        return Err(AppError::invalid(
            "consensus_in",
            "write the rule for consensus in",
        ));
    }
    consensus.min_n_for_classification =
        number("min_n_for_classification", &form.min_n_for_classification)?;
    consensus.quantile_type = number("quantile_type", &form.quantile_type)?;
    consensus.short_groups = choice(
        "short_groups",
        &form.short_groups,
        &[
            ("not_consensus", ShortGroupPolicy::NotConsensus),
            ("groups_with_data", ShortGroupPolicy::GroupsWithData),
        ],
    )?;
    Ok(consensus)
}

/// The whole form as settings (the scale and "unable to rate" kept from `current`).
pub fn settings_of(
    form: &SettingsForm,
    current: &StudySettings,
) -> Result<StudySettings, AppError> {
    let ticked = |b: &Option<String>| b.is_some();
    Ok(StudySettings {
        scale: current.scale.clone(),
        unable_to_rate: current.unable_to_rate,
        consensus: consensus_of(form, current)?,
        stopping: StoppingSettings {
            max_rounds: number("max_rounds", &form.max_rounds)?,
            when_all_classified: ticked(&form.when_all_classified),
            stability_pct: optional_number("stability_pct", &form.stability_pct)?,
        },
        feedback: FeedbackSettings {
            own_previous: ticked(&form.own_previous),
            median_iqr: ticked(&form.median_iqr),
            distribution: ticked(&form.distribution),
            group_medians: ticked(&form.group_medians),
            status: ticked(&form.status),
            comments: ticked(&form.comments),
            min_responses: number("min_responses", &form.min_responses)?,
            consensus_items: choice(
                "consensus_items",
                &form.consensus_items,
                &[
                    ("retire", ConsensusItemPolicy::Retire),
                    ("for_information", ConsensusItemPolicy::ForInformation),
                    ("rerate", ConsensusItemPolicy::Rerate),
                ],
            )?,
        },
        outlier_reason: optional_number("outlier_distance", &form.outlier_distance)?
            .map(|distance| OutlierReasonSettings { distance }),
        later_round_invitations: choice(
            "later_round_invitations",
            &form.later_round_invitations,
            &[
                (
                    "previous_responders",
                    LaterRoundInvitations::PreviousResponders,
                ),
                ("all_active", LaterRoundInvitations::AllActive),
            ],
        )?,
        open_questions: OpenQuestionSettings {
            per_section: ticked(&form.open_per_section),
            overall: ticked(&form.open_overall),
        },
        background: questions::parse_lines(&form.background)
            .map_err(|problems| AppError::invalid("background", problems.join("; ")))?,
        counting: CountingSettings {
            unsubmitted: ticked(&form.counting_unsubmitted),
            withdrawn: choice(
                "counting_withdrawn",
                &form.counting_withdrawn,
                &[
                    ("keep", WithdrawnAnswers::Keep),
                    ("drop", WithdrawnAnswers::Drop),
                ],
            )?,
        },
        // A form without the field (an older page still open) keeps the layout.
        pages: if form.by_section.is_empty() {
            current.pages
        } else {
            PageSettings {
                by_section: choice(
                    "by_section",
                    &form.by_section,
                    &[
                        ("auto", BySection::Auto),
                        ("on", BySection::On),
                        ("off", BySection::Off),
                    ],
                )?,
            }
        },
    })
}
