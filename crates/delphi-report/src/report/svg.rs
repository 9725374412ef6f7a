//! The report's charts as inline SVG, written by hand: a bar chart of one item's ratings
//! and the participant flow diagram. Both are a few rectangles and labels, which is simpler
//! and lighter than a chart crate, and every text in them goes through [`esc`].
//!
//! Each chart is `role="img"` with an `aria-label` and a `<title>`; the report puts a
//! visually hidden sentence with the same numbers beside it.

use std::fmt::Write as _;

use serde::Serialize;

/// Markup this module made, every text in it escaped: the report inserts it unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Svg(String);

impl Svg {
    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text escaped for XML and HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One item's ratings in one round.
#[derive(Debug, Clone, Copy)]
pub struct Distribution<'a> {
    /// Lowest scale point.
    pub min: i32,
    /// Count at every scale point, lowest first (empty points included).
    pub counts: &'a [u64],
    /// The agreement band, shaded.
    pub agree: [i32; 2],
    /// The accessible name, e.g. "Ratings of P3 in round 2".
    pub label: &'a str,
}

const BAR: u32 = 22;
const GAP: u32 = 4;
const PLOT_H: u32 = 60;
const TOP: u32 = 14;

/// A bar chart with every scale point on the axis and its count above the bar.
pub fn distribution(d: &Distribution<'_>) -> Svg {
    let points = d.counts.len() as u32;
    let width = points * (BAR + GAP) + GAP;
    let height = TOP + PLOT_H + 16;
    let max = d.counts.iter().copied().max().unwrap_or(0).max(1);
    let label = esc(d.label);
    let mut s = String::with_capacity(400 + 260 * points as usize);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dist\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{label}\">\
         <title>{label}</title>"
    );
    for (k, &count) in d.counts.iter().enumerate() {
        let point = d.min + k as i32;
        let x = GAP + k as u32 * (BAR + GAP);
        let h = ((count as f64 / max as f64) * f64::from(PLOT_H)).round() as u32;
        let band = if (d.agree[0]..=d.agree[1]).contains(&point) {
            " agree"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<rect class=\"bar{band}\" x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{h}\"/>\
             <text class=\"n\" x=\"{}\" y=\"{}\">{count}</text>\
             <text class=\"pt\" x=\"{}\" y=\"{}\">{point}</text>",
            TOP + PLOT_H - h,
            x + BAR / 2,
            TOP + PLOT_H - h - 3,
            x + BAR / 2,
            TOP + PLOT_H + 12,
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"0\" y1=\"{y}\" x2=\"{width}\" y2=\"{y}\"/></svg>",
        y = TOP + PLOT_H
    );
    Svg(s)
}

/// One round of the flow diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStep {
    /// Round number.
    pub round: i32,
    /// Invited.
    pub invited: u64,
    /// Responded.
    pub responded: u64,
    /// Response rate, already formatted (e.g. "82 %").
    pub rate: String,
    /// Lost since the previous round (`None` for the first).
    pub lost: Option<u64>,
    /// Withdrew during the previous round (shown with the losses before this round).
    pub withdrawn: u64,
}

/// The participant flow: a box per round (invited, responded, rate), and between rounds an
/// arrow with the panellists lost on the way.
pub fn flow(steps: &[FlowStep], label: &str) -> Svg {
    const W: u32 = 620;
    const BOX_W: u32 = 330;
    const BOX_H: u32 = 52;
    const STEP: u32 = 96;
    let height = (steps.len() as u32).max(1) * STEP;
    let label = esc(label);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flow\" viewBox=\"0 0 {W} {height}\" \
         role=\"img\" aria-label=\"{label}\"><title>{label}</title>\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs>"
    );
    for (k, step) in steps.iter().enumerate() {
        let y = k as u32 * STEP + 4;
        if k > 0 {
            let bx = BOX_W / 2 + 40;
            let (y0, y1) = (y - (STEP - BOX_H) + 2, y - 2);
            let mid = (y0 + y1) / 2;
            let _ = write!(
                s,
                "<line class=\"link\" x1=\"{c}\" y1=\"{y0}\" x2=\"{c}\" y2=\"{y1}\" \
                 marker-end=\"url(#arrow)\"/><line class=\"link\" x1=\"{c}\" y1=\"{mid}\" \
                 x2=\"{bx}\" y2=\"{mid}\" marker-end=\"url(#arrow)\"/>\
                 <rect class=\"lost\" x=\"{bx}\" y=\"{}\" width=\"{}\" height=\"34\" rx=\"4\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                mid - 17,
                W - (BOX_W / 2 + 40) - 10,
                bx + 10,
                mid + 5,
                match step.lost {
                    Some(lost) => format!("Not continuing: {lost} (withdrew: {})", step.withdrawn),
                    None => "Round still open: not known yet".to_owned(),
                },
                c = BOX_W / 2 + 10,
            );
        }
        let _ = write!(
            s,
            "<rect class=\"round\" x=\"10\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\"/>\
             <text class=\"head\" x=\"24\" y=\"{}\">Round {}</text>\
             <text x=\"24\" y=\"{}\">Invited {} · responded {} ({})</text>",
            y + 21,
            step.round,
            y + 41,
            step.invited,
            step.responded,
            esc(&step.rate),
        );
    }
    s.push_str("</svg>");
    Svg(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_on_the_axis_and_text_is_escaped() {
        let svg = distribution(&Distribution {
            min: 1,
            counts: &[0, 0, 1, 0, 0, 0, 3, 5, 0],
            agree: [7, 9],
            label: "Ratings of <I1> & \"x\"",
        });
        let svg = svg.as_str();
        for point in 1..=9 {
            assert!(svg.contains(&format!("\">{point}</text>")), "point {point}");
        }
        assert_eq!(svg.matches("<rect").count(), 9);
        assert_eq!(svg.matches("class=\"bar agree\"").count(), 3);
        assert!(svg.contains("aria-label=\"Ratings of &lt;I1&gt; &amp; &quot;x&quot;\""));
        assert!(!svg.contains("<I1>"));
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
    }

    #[test]
    fn flow_has_a_box_per_round_and_the_losses_between() {
        let steps: Vec<FlowStep> = (1..=3)
            .map(|r| FlowStep {
                round: r,
                invited: 40,
                responded: 30,
                rate: "75 %".into(),
                lost: (r > 1).then_some(4),
                withdrawn: 1,
            })
            .collect();
        let svg = flow(&steps, "Participant flow");
        assert_eq!(svg.as_str().matches("class=\"round\"").count(), 3);
        assert_eq!(svg.as_str().matches("class=\"lost\"").count(), 2);
        assert!(svg.as_str().contains("<title>Participant flow</title>"));
    }
}
