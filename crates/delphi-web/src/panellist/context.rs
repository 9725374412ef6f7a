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
    /// The item's code: the block is `id=f-{code}`, the description of the item's radios.
    code: &'a str,
    /// Whether this block carries the page's one "how to read this" help (the first block).
    help: bool,
    round_number: i32,
    about_previous_wording: bool,
    own_previous: Option<&'a str>,
    /// Whether the chart marks the own previous rating (the legend then shows its colour).
    own_marked: bool,
    stats: Option<StatsContext<'a>>,
    too_few: bool,
    comments: &'a [String],
}

#[derive(Serialize)]
struct StatsContext<'a> {
    /// How many rated, and how many could not rate when the study offers "unable to rate"
    /// (or some said so): "25 rated it, 2 could not rate it."
    ratings: String,
    median: Option<&'a str>,
    /// Where the middle half of the panel's ratings lie: "5 to 8", or "8" when Q1 = Q3.
    middle: Option<String>,
    status: Option<&'a str>,
    status_code: Option<Verdict>,
    /// The chart, as SVG (escaped where written).
    chart: String,
    /// The group medians, as HTML (escaped where written).
    groups: String,
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
        .with_help()
    }

    /// Puts the help on reading the feedback in the page's first feedback block.
    fn with_help(mut self) -> Self {
        if let Some(first) = self
            .sections
            .iter_mut()
            .flat_map(|s| s.items.iter_mut())
            .find_map(|i| i.feedback.as_mut())
        {
            first.help = true;
        }
        self
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
            feedback: item
                .feedback
                .as_ref()
                .map(|f| FeedbackContext::of(&item.code, f, unable_to_rate)),
        }
    }
}

impl<'a> FeedbackContext<'a> {
    fn of(code: &'a str, feedback: &'a FeedbackView, unable_to_rate: bool) -> Self {
        let own_marked = feedback
            .stats
            .as_ref()
            .and_then(|s| s.chart.as_ref())
            .is_some_and(|c| c.own.is_some());
        Self {
            code,
            help: false,
            round_number: feedback.round_number,
            about_previous_wording: feedback.about_previous_wording,
            own_previous: feedback.own_previous.as_deref(),
            own_marked,
            stats: feedback
                .stats
                .as_ref()
                .map(|s| StatsContext::of(s, unable_to_rate)),
            too_few: feedback.too_few,
            comments: &feedback.comments,
        }
    }
}

impl<'a> StatsContext<'a> {
    fn of(stats: &'a PanelStats, unable_to_rate: bool) -> Self {
        let middle = match (stats.q1.as_deref(), stats.q3.as_deref()) {
            (Some(q1), Some(q3)) if q1 == q3 => Some(q1.to_owned()),
            (Some(q1), Some(q3)) => Some(format!("{q1} to {q3}")),
            _ => None,
        };
        Self {
            ratings: if unable_to_rate || stats.unable > 0 {
                format!("{} rated it, {} could not.", stats.n, stats.unable)
            } else {
                format!("{} rated it.", stats.n)
            },
            median: stats.median.as_deref(),
            middle,
            status: stats.status.as_deref(),
            status_code: stats.status_code,
            chart: controls::drawn_chart(stats),
            groups: controls::drawn_groups(stats),
        }
    }
}
