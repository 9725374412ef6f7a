//! The panellist page's read model: plain serialisable data, shaped so templates only loop
//! and print (every field is always present, as strict templates require).

use serde::Serialize;

/// Everything the panellist page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanellistPage {
    /// The study as panellists see it.
    pub study: StudyInfo,
    /// The state of the page.
    pub state: PageState,
    /// Whether this is the first time the panellist opens the open round (the caller records it).
    #[serde(skip)]
    pub first_open: bool,
}

/// The study's public face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyInfo {
    /// Title.
    pub title: String,
    /// Description (participant information).
    pub description: String,
    /// Consent text set by the researcher.
    pub consent_text: String,
    /// The description as paragraphs (blank lines split them; single line breaks join).
    pub description_paragraphs: Vec<String>,
    /// The consent text as paragraphs.
    pub consent_paragraphs: Vec<String>,
    /// When the panellist consented, in the study's time zone, if they have.
    pub consented_at: Option<String>,
    /// Who runs the study (every page's foot names them).
    pub team: TeamInfo,
}

/// Who runs a study, as every panellist page and email shows it (empty texts when not set).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TeamInfo {
    /// The research team's or lead researcher's name.
    pub name: String,
    /// Their institution.
    pub institution: String,
    /// The address panellists write to.
    pub contact: String,
    /// A link to the participant information.
    pub info_url: String,
    /// The ethics committee's reference.
    pub ethics_reference: String,
}

impl TeamInfo {
    /// The team of a study row.
    pub fn of(study: &delphi_store::studies::StudyRow) -> Self {
        Self {
            name: study.team_name.clone(),
            institution: study.team_institution.clone(),
            contact: study.team_contact.clone(),
            info_url: study.info_url.clone(),
            ethics_reference: study.ethics_reference.clone(),
        }
    }
}

/// Which page the panellist gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PageState {
    /// The study's information and the consent step (before the first answer).
    Consent {
        /// The round waiting behind the consent step.
        round_number: i32,
    },
    /// The open round.
    Rating(Box<RoundView>),
    /// No round is open yet (before round 1, or between rounds).
    NotOpen {
        /// The last round that closed, if any.
        last_closed: Option<i32>,
    },
    /// The latest round has closed.
    Closed(ClosedView),
    /// A round is open, but this panellist is not invited to it.
    NotInvited {
        /// The open round.
        round_number: i32,
    },
    /// The study has finished.
    Completed,
    /// The panellist withdrew.
    Withdrawn {
        /// When, in the study's time zone.
        withdrawn_at: String,
    },
}

impl PageState {
    /// The state's name as serialised (`consent`, `rating`...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Consent { .. } => "consent",
            Self::Rating(_) => "rating",
            Self::NotOpen { .. } => "not_open",
            Self::Closed(_) => "closed",
            Self::NotInvited { .. } => "not_invited",
            Self::Completed => "completed",
            Self::Withdrawn { .. } => "withdrawn",
        }
    }
}

/// A closed round, from this panellist's side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedView {
    /// Round number.
    pub round_number: i32,
    /// Items this panellist answered (all kept and counted).
    pub answered: usize,
    /// Whether they pressed "Submit".
    pub submitted: bool,
}

/// The open round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundView {
    /// Round number.
    pub number: i32,
    /// Instructions from the researcher.
    pub instructions: String,
    /// Deadline in the study's time zone ([`crate::times::format`]), if set.
    pub deadline: Option<String>,
    /// The last round the stopping rule allows.
    pub final_round: bool,
    /// Shown one section per page ([`delphi_core::settings::BySection`]).
    pub by_section: bool,
    /// What changed since the round before, when anything did.
    pub ledger: Option<super::LedgerView>,
    /// When the panellist last submitted, if they have.
    pub submitted_at: Option<String>,
    /// Whether "unable to rate" is offered.
    pub unable_to_rate: bool,
    /// Lowest point of the scale.
    pub scale_min: i32,
    /// Highest point of the scale.
    pub scale_max: i32,
    /// Ask for a reason when a rating is further than this from the panel median.
    pub outlier_distance: Option<f64>,
    /// The same distance as people read it (`3`, `2.5`).
    pub outlier_distance_label: Option<String>,
    /// Whether any item carries feedback from the previous round.
    pub has_feedback: bool,
    /// The panel's minimum number of responses before a statistic is shown.
    pub min_responses: u32,
    /// Items grouped by section, in order.
    pub sections: Vec<SectionView>,
    /// Round 1's "is anything missing?" about the whole round, if the study asks it.
    pub open: Option<crate::questions::OpenQuestionView>,
    /// Whether the background questionnaire still waits (the page links to it).
    pub background_pending: bool,
    /// Items answered (a rating or "unable to rate").
    pub rated: usize,
    /// Items to answer (items shown for information are not counted).
    pub total: usize,
    /// Codes of items not answered yet, in order.
    pub unrated: Vec<String>,
}

/// A section heading and its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionView {
    /// 1-based position among the round's sections (its page is `section/{number}`).
    pub number: usize,
    /// Items answered in the section.
    pub rated: usize,
    /// Items to answer in the section.
    pub total: usize,
    /// Heading (may be empty when the study has no sections).
    pub heading: String,
    /// Round 1's "is anything missing?" about this section, if the study asks it.
    pub open: Option<crate::questions::OpenQuestionView>,
    /// Items.
    pub items: Vec<ItemView>,
}

/// One item with the panellist's answer and its feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemView {
    /// Code, e.g. `P3`.
    pub code: String,
    /// The words rated (untrusted; escaped when rendered).
    pub text: String,
    /// 1-based position in the round.
    pub position: usize,
    /// Shown for information only (no controls).
    pub for_information: bool,
    /// First asked in this round (and not a rewording).
    pub is_new: bool,
    /// The words this item replaces, when it is a rewording.
    pub replaces_text: Option<String>,
    /// Why it was added or reworded.
    pub change_note: Option<String>,
    /// The scale points, with this panellist's choice marked.
    pub points: Vec<PointView>,
    /// Saved rating.
    pub rating: Option<i32>,
    /// Saved "unable to rate".
    pub unable_to_rate: bool,
    /// Saved comment (empty when none).
    pub comment: String,
    /// Saved reason (empty when none).
    pub reason: String,
    /// Whether the item is answered.
    pub answered: bool,
    /// Whether the saved rating is far from the previous panel median (ask for a reason).
    pub ask_reason: bool,
    /// The previous panel median, where a reason may be asked for (for the page's script).
    pub reason_median: Option<f64>,
    /// Feedback from the previous round, if any.
    pub feedback: Option<FeedbackView>,
}

/// One point of the scale as a radio button.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointView {
    /// The value.
    pub value: i32,
    /// Its label.
    pub label: String,
    /// Whether this panellist chose it.
    pub checked: bool,
}

/// Controlled feedback for one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackView {
    /// The round the feedback comes from.
    pub round_number: i32,
    /// Whether the feedback is about the words this item replaced.
    pub about_previous_wording: bool,
    /// The panellist's own previous answer, in words (`7`, `unable to rate`), when shown.
    pub own_previous: Option<String>,
    /// Panel statistics, when enough responses and the study shows any.
    pub stats: Option<PanelStats>,
    /// Too few responses to show any statistic.
    pub too_few: bool,
    /// Released comments, never with names.
    pub comments: Vec<String>,
}

/// The panel's statistics for an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelStats {
    /// Numeric ratings.
    pub n: u64,
    /// Answers "unable to rate" (told as "could not rate").
    pub unable: u64,
    /// Median (formatted), when shown.
    pub median: Option<String>,
    /// First quartile (formatted), when shown.
    pub q1: Option<String>,
    /// Third quartile (formatted), when shown.
    pub q3: Option<String>,
    /// IQR (formatted), when shown.
    pub iqr: Option<String>,
    /// Distribution chart, when shown.
    pub chart: Option<ChartView>,
    /// Median per stakeholder group, when shown, in the study's order.
    pub groups: Vec<GroupMedian>,
    /// The groups with too few answers to show, named in the study's order (never left out
    /// silently; empty when group medians are not shown).
    pub short_groups: Vec<String>,
    /// The item's status label, when shown.
    pub status: Option<String>,
    /// The status code (`in`, `out`, `none`, `not_classified`), when shown.
    pub status_code: Option<delphi_core::Verdict>,
}

/// A stakeholder group's median.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMedian {
    /// Group name.
    pub name: String,
    /// Median (formatted).
    pub median: String,
    /// Numeric ratings in the group.
    pub n: u64,
}

/// The distribution of the ratings, for the page's chart (drawn by `delphi_render::chart`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartView {
    /// The scale's lowest point (the first count's).
    pub min: i32,
    /// Ratings per scale point, lowest first (zeros included: every point is on the axis).
    pub counts: Vec<u64>,
    /// The panellist's own previous rating, marked in the chart and named in its legend.
    pub own: Option<i32>,
}
