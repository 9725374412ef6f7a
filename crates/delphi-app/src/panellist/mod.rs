//! What a panellist sees through their link: one read model for every state of the page
//! (consent, rating, round closed, study completed, withdrawn...), with the controlled
//! feedback of the previous round. Writes (consent, saving, submitting, withdrawing) live in
//! [`crate::participation`]; this module only reads.

mod feedback;
mod ledger;
mod load;
mod preview;
mod view;

pub use feedback::ResultsCache;
pub use ledger::{LedgerLine, LedgerReword, LedgerView};
pub(crate) use load::study_info;
pub use load::{page, page_in};
pub use preview::preview;
pub use view::{
    ChartView, ClosedView, FeedbackView, GroupMedian, ItemView, PageState, PanelStats,
    PanellistPage, PointView, RoundView, SectionView, StudyInfo, TeamInfo,
};

/// Formats a statistic for people: whole numbers without decimals, others with at most two.
pub fn format_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        let text = format!("{rounded:.2}");
        text.trim_end_matches('0').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(7.0), "7");
        assert_eq!(format_number(6.5), "6.5");
        assert_eq!(format_number(6.25), "6.25");
        assert_eq!(format_number(6.333), "6.33");
        assert_eq!(format_number(-1.0), "-1");
    }
}
