//! The rating controls of an item, written directly: the 60-item page has 600 radio buttons,
//! and drawing them through the template engine one helper call at a time took most of the
//! page's render time. Every text written here is HTML-escaped.

use std::fmt::Write as _;

use delphi_app::panellist::{ItemView, PanelStats};

use crate::escape::escape_into;

/// The radio buttons of one item: one per scale point with its label, plus "Unable to rate"
/// when the study offers it, inside `<div class=sc>`.
pub fn scale(item: &ItemView, offer_unable_to_rate: bool) -> String {
    let mut out = String::with_capacity(64 * (item.points.len() + 1));
    let mut name = String::with_capacity(item.code.len() + 2);
    name.push_str("r_");
    escape_into(&mut name, &item.code);
    out.push_str("<div class=sc>");
    for point in &item.points {
        let _ = write!(
            out,
            "<label><input type=radio name={name} value={}{}>",
            point.value,
            if point.checked { " checked" } else { "" }
        );
        escape_into(&mut out, &point.label);
        out.push_str("</label>");
    }
    if offer_unable_to_rate {
        let _ = write!(
            out,
            "<label><input type=radio name={name} value=u{}>Unable to rate</label>",
            if item.unable_to_rate { " checked" } else { "" }
        );
    }
    out.push_str("</div>");
    out
}

/// The distribution chart (inline SVG with its text alternative) and the group medians of
/// an item's feedback.
pub fn drawn_stats(stats: &PanelStats) -> String {
    let mut out = String::with_capacity(512);
    if let Some(chart) = &stats.chart {
        let _ = write!(
            out,
            "<svg class=d viewBox=\"0 0 {} {}\" role=img aria-label=\"Ratings per point: ",
            chart.width, chart.height
        );
        escape_into(&mut out, &chart.text);
        out.push_str("\"><path d=\"");
        escape_into(&mut out, &chart.path);
        out.push_str("\"/>");
        if let Some(own) = &chart.own {
            let _ = write!(
                out,
                "<rect class=own x={} y={} width={} height={}></rect>",
                own.x, own.y, own.w, own.h
            );
        }
        out.push_str("</svg>");
    }
    if !stats.groups.is_empty() {
        out.push_str("<p class=g>By group: ");
        for (index, group) in stats.groups.iter().enumerate() {
            if index > 0 {
                out.push_str("; ");
            }
            escape_into(&mut out, &group.name);
            out.push_str(" <b>");
            escape_into(&mut out, &group.median);
            out.push_str("</b>");
        }
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use delphi_app::panellist::PointView;

    #[test]
    fn labels_are_escaped_and_the_choice_is_checked() {
        let item = ItemView {
            code: "P1".to_owned(),
            text: String::new(),
            position: 1,
            for_information: false,
            is_new: false,
            replaces_text: None,
            change_note: None,
            points: vec![
                PointView {
                    value: 1,
                    label: "1 <low> & \"quoted\"".to_owned(),
                    checked: false,
                },
                PointView {
                    value: 2,
                    label: "2".to_owned(),
                    checked: true,
                },
            ],
            rating: Some(2),
            unable_to_rate: false,
            comment: String::new(),
            reason: String::new(),
            answered: true,
            ask_reason: false,
            reason_median: None,
            feedback: None,
        };
        assert_eq!(
            scale(&item, true),
            "<div class=sc><label><input type=radio name=r_P1 value=1>1 &lt;low&gt; &amp; &quot;quoted&quot;</label>\
             <label><input type=radio name=r_P1 value=2 checked>2</label>\
             <label><input type=radio name=r_P1 value=u>Unable to rate</label></div>"
        );
        assert!(!scale(&item, false).contains("Unable"));
    }

    #[test]
    fn charts_and_groups_are_drawn_with_escaped_names() {
        use delphi_app::panellist::{ChartBar, ChartView, GroupMedian};
        let stats = PanelStats {
            n: 5,
            median: Some("7".to_owned()),
            q1: None,
            q3: None,
            iqr: None,
            chart: Some(ChartView {
                width: 20,
                height: 32,
                path: "M0 32v-30h8v30z".to_owned(),
                own: Some(ChartBar {
                    x: 0,
                    y: 2,
                    w: 8,
                    h: 30,
                }),
                text: "1: 5, 2: 0".to_owned(),
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
            status: None,
            status_code: None,
        };
        assert_eq!(
            drawn_stats(&stats),
            "<svg class=d viewBox=\"0 0 20 32\" role=img aria-label=\"Ratings per point: 1: 5, 2: 0\">\
             <path d=\"M0 32v-30h8v30z\"/><rect class=own x=0 y=2 width=8 height=30></rect></svg>\
             <p class=g>By group: GPs &amp; nurses <b>7</b>; Managers <b>6.5</b></p>"
        );
    }
}
