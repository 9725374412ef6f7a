//! The rating controls and the drawn part of an item's feedback, written directly: the 60-item
//! page has 600 radio buttons, and drawing them through the template engine one helper call at
//! a time took most of the page's render time. Every text written here is HTML-escaped.

use std::fmt::Write as _;

use delphi_app::panellist::{ItemView, PanelStats};

use crate::escape::escape_into;

/// Scales with more points than this wrap in an ordered grid instead of one row.
const ONE_ROW: usize = 11;

/// The radio buttons of one item: one per scale point in `<p class=sc>` (one ordered row;
/// an ordered grid, `class="sc w"`, beyond 11 points), then "Unable to rate" apart when the
/// study offers it (the stylesheet finds it by its value), so it is never a point of the row. Each point shows its
/// number with the label's words in an `<i>` (the stylesheet hides the words of the middle
/// points on a phone); the accessible name is the whole label, "9 Critical".
pub fn scale(item: &ItemView, offer_unable_to_rate: bool) -> String {
    let mut out = String::with_capacity(48 * (item.points.len() + 1));
    let mut name = String::with_capacity(item.code.len() + 2);
    name.push_str("r_");
    escape_into(&mut name, &item.code);
    out.push_str(if item.points.len() > ONE_ROW {
        "<p class=\"sc w\">"
    } else {
        "<p class=sc>"
    });
    for point in &item.points {
        let number = point.value.to_string();
        let _ = write!(
            out,
            "<label><input type=radio name={name} value={number}{}>{number}",
            if point.checked { " checked" } else { "" }
        );
        let words = words_of(&point.label, &number);
        if !words.is_empty() {
            out.push_str("<i> ");
            escape_into(&mut out, words);
            out.push_str("</i>");
        }
        out.push_str("</label>");
    }
    out.push_str("</p>");
    if offer_unable_to_rate {
        let _ = write!(
            out,
            "<label><input type=radio name={name} value=u{}>Unable to rate</label>",
            if item.unable_to_rate { " checked" } else { "" }
        );
    }
    out
}

/// The words of a point's label without its number ("9 Critical" -> "Critical"; "2" -> "";
/// a label that does not begin with its number is kept whole).
fn words_of<'a>(label: &'a str, number: &str) -> &'a str {
    match label.strip_prefix(number) {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest.trim(),
        _ => label.trim(),
    }
}

/// The distribution chart of an item's feedback: inline SVG with its text alternative, every
/// point on the axis, the panellist's own previous rating drawn apart (empty when not shown).
pub fn drawn_chart(stats: &PanelStats) -> String {
    let mut out = String::with_capacity(320);
    if let Some(chart) = &stats.chart {
        delphi_render::chart::feedback_svg(
            &mut out,
            "Ratings per point",
            chart.min,
            &chart.counts,
            chart.own,
        );
    }
    out
}

/// The group medians of an item's feedback, naming the groups with too few answers to show
/// (empty when group medians are not shown).
pub fn drawn_groups(stats: &PanelStats) -> String {
    let mut out = String::with_capacity(256);
    if !stats.groups.is_empty() || !stats.short_groups.is_empty() {
        out.push_str("<p class=g>");
        if !stats.groups.is_empty() {
            out.push_str("By group: ");
            for (index, group) in stats.groups.iter().enumerate() {
                if index > 0 {
                    out.push_str("; ");
                }
                escape_into(&mut out, &group.name);
                out.push_str(" <b>");
                escape_into(&mut out, &group.median);
                out.push_str("</b>");
            }
            out.push('.');
        }
        if !stats.short_groups.is_empty() {
            if !stats.groups.is_empty() {
                out.push(' ');
            }
            out.push_str("Too few answers from ");
            let last = stats.short_groups.len() - 1;
            for (index, name) in stats.short_groups.iter().enumerate() {
                if index > 0 {
                    out.push_str(if index == last { " and " } else { ", " });
                }
                escape_into(&mut out, name);
            }
            out.push_str(" to show.");
        }
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use delphi_app::panellist::PointView;

    fn item(labels: &[&str]) -> ItemView {
        ItemView {
            code: "P1".to_owned(),
            text: String::new(),
            position: 1,
            for_information: false,
            is_new: false,
            replaces_text: None,
            change_note: None,
            points: labels
                .iter()
                .enumerate()
                .map(|(index, label)| PointView {
                    value: index as i32 + 1,
                    label: (*label).to_owned(),
                    checked: index == 1,
                })
                .collect(),
            rating: Some(2),
            unable_to_rate: false,
            comment: String::new(),
            reason: String::new(),
            answered: true,
            ask_reason: false,
            reason_median: None,
            feedback: None,
        }
    }

    #[test]
    fn labels_are_escaped_and_the_choice_is_checked() {
        let item = item(&["1 <low> & \"quoted\"", "2", "High"]);
        assert_eq!(
            scale(&item, true),
            "<p class=sc><label><input type=radio name=r_P1 value=1>1<i> &lt;low&gt; &amp; &quot;quoted&quot;</i></label>\
             <label><input type=radio name=r_P1 value=2 checked>2</label>\
             <label><input type=radio name=r_P1 value=3>3<i> High</i></label></p>\
             <label><input type=radio name=r_P1 value=u>Unable to rate</label>"
        );
        assert!(!scale(&item, false).contains("Unable"));
    }

    #[test]
    fn a_long_scale_is_an_ordered_grid_and_numbers_keep_their_words() {
        let labels: Vec<String> = (1..=12).map(|n| n.to_string()).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        assert!(scale(&item(&labels), false).starts_with("<p class=\"sc w\">"));
        assert!(scale(&item(&labels[..11]), false).starts_with("<p class=sc>"));
        assert_eq!(words_of("9 Critical", "9"), "Critical");
        assert_eq!(words_of("10", "1"), "10", "a longer number is not split");
        assert_eq!(words_of("9", "9"), "");
        assert_eq!(words_of(" Agree ", "3"), "Agree");
    }

    #[test]
    fn charts_and_groups_are_drawn_with_escaped_names_and_short_groups_named() {
        use delphi_app::panellist::{ChartView, GroupMedian};
        let mut stats = PanelStats {
            n: 5,
            unable: 1,
            median: Some("7".to_owned()),
            q1: None,
            q3: None,
            iqr: None,
            chart: Some(ChartView {
                min: 1,
                counts: vec![5, 0],
                own: Some(1),
            }),
            groups: vec![
                GroupMedian {
                    name: "GPs & nurses".to_owned(),
                    median: "7".to_owned(),
                    n: 5,
                },
                GroupMedian {
                    name: "Managers".to_owned(),
                    median: "6.5".to_owned(),
                    n: 5,
                },
            ],
            short_groups: vec!["People with lived experience".to_owned()],
            status: None,
            status_code: None,
        };
        let drawn = drawn_chart(&stats) + &drawn_groups(&stats);
        assert!(
            drawn.starts_with(
                "<svg class=d viewBox=\"0 0 40 52\" role=img aria-label=\"Ratings per point: 1: 5, 2: 0\">\
                 <path class=a d=\"M0 38.5h40\"/><path class=o d=\"M10 38V8\"/>"
            ),
            "{drawn}"
        );
        assert!(
            drawn.ends_with(
                "</svg><p class=g>By group: GPs &amp; nurses <b>7</b>; Managers <b>6.5</b>. \
                 Too few answers from People with lived experience to show.</p>"
            ),
            "{drawn}"
        );
        stats.chart = None;
        stats.groups.clear();
        stats.short_groups = vec!["A".to_owned(), "B".to_owned(), "C & D".to_owned()];
        assert_eq!(drawn_chart(&stats), "");
        assert_eq!(
            drawn_groups(&stats),
            "<p class=g>Too few answers from A, B and C &amp; D to show.</p>"
        );
        stats.short_groups.clear();
        assert_eq!(drawn_groups(&stats), "");
    }
}
