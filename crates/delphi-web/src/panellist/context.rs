//! What the round page's template sees: typed structs borrowed from the app's read model,
//! with each item's rating controls and feedback chart written in as HTML. A field the
//! template reads is a field here, so a rename breaks the build, not a page at run time.

use delphi_app::panellist::{FeedbackView, ItemView, LedgerView, PanelStats, RoundView, StudyInfo};
use delphi_app::questions::OpenQuestionView;
use delphi_core::Verdict;
use serde::Serialize;

use super::controls;

/// The round page's whole context.
#[derive(Serialize)]
pub(super) struct RoundPage<'a> {
    /// The parts every panellist page has.
    #[serde(flatten)]
    pub common: super::Common<'a>,
    /// The study as panellists see it.
    pub study: &'a StudyInfo,
    /// The open round.
    pub state: RoundContext<'a>,
}

/// The open round.
#[derive(Serialize)]
pub(super) struct RoundContext<'a> {
    number: i32,
    instructions: &'a str,
    deadline: Option<&'a str>,
    submitted_at: Option<&'a str>,
    has_feedback: bool,
    outlier_distance: Option<f64>,
    outlier_distance_label: Option<&'a str>,
    rated: usize,
    total: usize,
    final_round: bool,
    /// The whole round, or its first section: the page carries the round's introduction.
    first: bool,
    /// The page shows one section ([`SectionPage`]), or `None`: the whole round.
    page: Option<SectionPage>,
    /// What changed since the round before (on the round's first page only).
    ledger: Option<&'a LedgerView>,
    sections: Vec<SectionContext<'a>>,
    /// Round 1's "is anything missing?" about the whole round.
    open: Option<&'a OpenQuestionView>,
    /// Whether the page links to the background questionnaire.
    background_pending: bool,
}

/// Where a page by section stands among the round's sections.
#[derive(Serialize)]
struct SectionPage {
    /// This section's number (1-based).
    number: usize,
    /// How many sections the round has.
    of: usize,
    /// The section before, if any.
    prev: Option<usize>,
    /// The section after, if any (none: the next step is the review page).
    next: Option<usize>,
    /// Items rated in the other sections (the script adds the ones on the page).
    elsewhere: usize,
}

#[derive(Serialize)]
struct SectionContext<'a> {
    number: usize,
    heading: &'a str,
    items: Vec<ItemContext<'a>>,
    /// Round 1's "is anything missing?" about this section.
    open: Option<&'a OpenQuestionView>,
}

#[derive(Serialize)]
struct ItemContext<'a> {
    code: &'a str,
    text: &'a str,
    is_new: bool,
    replaces_text: Option<&'a str>,
    change_note: Option<&'a str>,
    for_information: bool,
    reason_median: Option<f64>,
    ask_reason: bool,
    reason: &'a str,
    comment: &'a str,
    /// The radio buttons, as HTML (escaped where written).
    controls: String,
    feedback: Option<FeedbackContext<'a>>,
}

#[derive(Serialize)]
struct FeedbackContext<'a> {
    round_number: i32,
    about_previous_wording: bool,
    own_previous: Option<&'a str>,
    stats: Option<StatsContext<'a>>,
    too_few: bool,
    comments: &'a [String],
}

#[derive(Serialize)]
struct StatsContext<'a> {
    n: u64,
    median: Option<&'a str>,
    q1: Option<&'a str>,
    q3: Option<&'a str>,
    iqr: Option<&'a str>,
    status: Option<&'a str>,
    status_code: Option<Verdict>,
    /// The chart and the group medians, as HTML (escaped where written).
    drawn: String,
}

impl<'a> RoundContext<'a> {
    /// The context of `round`: the whole round, or only section `section` (1-based, checked
    /// by the caller) when the round is shown by section.
    pub(super) fn of(round: &'a RoundView, section: Option<usize>) -> Self {
        let page = section.map(|number| SectionPage {
            number,
            of: round.sections.len(),
            prev: (number > 1).then(|| number - 1),
            next: (number < round.sections.len()).then_some(number + 1),
            elsewhere: round
                .sections
                .iter()
                .filter(|s| s.number != number)
                .map(|s| s.rated)
                .sum(),
        });
        Self {
            number: round.number,
            instructions: &round.instructions,
            deadline: round.deadline.as_deref(),
            submitted_at: round.submitted_at.as_deref(),
            has_feedback: round.has_feedback,
            outlier_distance: round.outlier_distance,
            outlier_distance_label: round.outlier_distance_label.as_deref(),
            rated: round.rated,
            total: round.total,
            final_round: round.final_round,
            first: section.is_none_or(|n| n == 1),
            ledger: round
                .ledger
                .as_ref()
                .filter(|_| section.is_none_or(|n| n == 1)),
            page,
            sections: round
                .sections
                .iter()
                .filter(|s| section.is_none_or(|n| n == s.number))
                .map(|section| SectionContext {
                    number: section.number,
                    heading: &section.heading,
                    open: section.open.as_ref(),
                    items: section
                        .items
                        .iter()
                        .map(|item| ItemContext::of(item, round.unable_to_rate))
                        .collect(),
                })
                .collect(),
            // The overall question follows the last statement: on the round's last page.
            open: round
                .open
                .as_ref()
                .filter(|_| section.is_none_or(|n| n == round.sections.len())),
            background_pending: round.background_pending,
        }
    }
}

impl<'a> ItemContext<'a> {
    fn of(item: &'a ItemView, unable_to_rate: bool) -> Self {
        Self {
            code: &item.code,
            text: &item.text,
            is_new: item.is_new,
            replaces_text: item.replaces_text.as_deref(),
            change_note: item.change_note.as_deref(),
            for_information: item.for_information,
            reason_median: item.reason_median,
            ask_reason: item.ask_reason,
            reason: &item.reason,
            comment: &item.comment,
            controls: controls::scale(item, unable_to_rate),
            feedback: item.feedback.as_ref().map(FeedbackContext::of),
        }
    }
}

impl<'a> FeedbackContext<'a> {
    fn of(feedback: &'a FeedbackView) -> Self {
        Self {
            round_number: feedback.round_number,
            about_previous_wording: feedback.about_previous_wording,
            own_previous: feedback.own_previous.as_deref(),
            stats: feedback.stats.as_ref().map(StatsContext::of),
            too_few: feedback.too_few,
            comments: &feedback.comments,
        }
    }
}

impl<'a> StatsContext<'a> {
    fn of(stats: &'a PanelStats) -> Self {
        Self {
            n: stats.n,
            median: stats.median.as_deref(),
            q1: stats.q1.as_deref(),
            q3: stats.q3.as_deref(),
            iqr: stats.iqr.as_deref(),
            status: stats.status.as_deref(),
            status_code: stats.status_code,
            drawn: controls::drawn_stats(stats),
        }
    }
}
