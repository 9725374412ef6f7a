//! Small distribution charts as inline SVG, written directly (one per item and group on the
//! researcher's results page, one per item on the panellist's page, so they must be cheap):
//! one bar per scale point with its count, every point on the axis. Text is escaped here; the
//! markup is safe to insert unescaped (`{{{chart}}}`).

use std::fmt::Write as _;

const BAR: u32 = 18;
const GAP: u32 = 4;
const HEIGHT: u32 = 60;
const TOP: u32 = 14;
const AXIS: u32 = 14;

/// An SVG bar chart of `counts` (one per point of `min..`), titled `title` for screen readers.
pub fn distribution_svg(title: &str, min: i32, counts: &[u64]) -> String {
    let peak = counts.iter().copied().max().unwrap_or(0).max(1);
    let width = counts.len() as u32 * (BAR + GAP) + GAP;
    let total = TOP + HEIGHT + AXIS;
    let mut svg = String::with_capacity(120 + counts.len() * 170);
    let _ = write!(
        svg,
        "<svg class=chart role=img viewBox=\"0 0 {width} {total}\" width=\"{width}\" height=\"{total}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>"
    );
    escape_into(&mut svg, title);
    svg.push_str("</title>");
    for (index, &count) in counts.iter().enumerate() {
        let x = GAP + index as u32 * (BAR + GAP);
        let h = (count * u64::from(HEIGHT) / peak) as u32;
        let y = TOP + HEIGHT - h;
        let point = i64::from(min) + index as i64;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\"/>\
             <text x=\"{cx}\" y=\"{ty}\" class=c>{count}</text>\
             <text x=\"{cx}\" y=\"{ay}\" class=p>{point}</text>",
            cx = x + BAR / 2,
            ty = y.saturating_sub(2).max(10),
            ay = TOP + HEIGHT + AXIS - 2,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Units per scale point of the panellist's chart; the bars' baseline and tallest height.
const STEP: i64 = 20;
const BASE: i64 = 38;
const FEEDBACK_HEIGHT: u64 = 30;
/// At most this many points are labelled on the panellist's axis (every k-th beyond it).
const LABELLED: usize = 11;

/// The panellist's distribution chart, appended to `out`: one bar per point of `min..` (the
/// stylesheet strokes each `M x 38 V top` 14 units wide), the axis with every point numbered
/// beneath it (every k-th when the scale has more than 11), so an empty point is a number with
/// no bar, never a gap that vanishes, and the bar of `own` (the panellist's previous rating)
/// drawn apart as `class=o`, which the page's legend names. `label` begins the text
/// alternative; the count of every point follows it. The axis is one `<text>` with an `x` per
/// character, whatever the scale.
pub fn feedback_svg(out: &mut String, label: &str, min: i32, counts: &[u64], own: Option<i32>) {
    let peak = counts.iter().copied().max().unwrap_or(0).max(1);
    let width = counts.len() as i64 * STEP;
    let _ = write!(
        out,
        "<svg class=d viewBox=\"0 0 {width} 52\" role=img aria-label=\""
    );
    escape_into(out, label);
    let mut bars = String::with_capacity(counts.len() * 10);
    let mut own_bar = String::new();
    let mut axis_x = String::with_capacity(counts.len() * 4);
    let mut axis_text = String::with_capacity(counts.len() * 2);
    let every = counts.len().div_ceil(LABELLED).max(1);
    for (index, &count) in counts.iter().enumerate() {
        let point = i64::from(min) + index as i64;
        let centre = index as i64 * STEP + STEP / 2;
        let h = ((count * FEEDBACK_HEIGHT + peak / 2) / peak).max(u64::from(count > 0)) as i64;
        let _ = write!(
            out,
            "{}{point}: {count}",
            if index > 0 { ", " } else { ": " }
        );
        if own == Some(point as i32) {
            // Own bar: at least a stub, so the legend's colour is always somewhere.
            let _ = write!(own_bar, "M{centre} {BASE}V{}", BASE - h.max(2));
        } else if h > 0 {
            let _ = write!(bars, "M{centre} {BASE}V{}", BASE - h);
        }
        if index % every == 0 || index + 1 == counts.len() {
            place(&mut axis_x, &mut axis_text, centre, &point.to_string());
        }
    }
    let _ = write!(out, "\"><path class=a d=\"M0 {BASE}.5h{width}\"/>");
    if !bars.is_empty() {
        let _ = write!(out, "<path d=\"{bars}\"/>");
    }
    if !own_bar.is_empty() {
        let _ = write!(out, "<path class=o d=\"{own_bar}\"/>");
    }
    let _ = write!(out, "<text x=\"{axis_x}\" y=50>{axis_text}</text></svg>");
}

/// Appends `text` to `chars`, centred on `centre`: one `x` per character, 5.5 units apart.
fn place(xs: &mut String, chars: &mut String, centre: i64, text: &str) {
    let len = text.chars().count() as i64;
    for (i, c) in text.chars().enumerate() {
        // Twice the offset from the centre, in units of 5.5 (a digit's advance), kept integral.
        let x2 = centre * 2 + (2 * i as i64 - (len - 1)) * 11 / 2;
        if !xs.is_empty() {
            xs.push(' ');
        }
        if x2 % 2 == 0 {
            let _ = write!(xs, "{}", x2 / 2);
        } else {
            let _ = write!(xs, "{}.5", x2.div_euclid(2));
        }
        chars.push(c);
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_highest_count_and_the_title_is_escaped() {
        let svg = distribution_svg("A1 <b>&", 1, &[0, 2, 4]);
        assert!(svg.starts_with("<svg class=chart role=img"), "{svg}");
        assert!(svg.contains("<title>A1 &lt;b&gt;&amp;</title>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(
            svg.contains("height=\"60\"/>"),
            "the peak is full height: {svg}"
        );
        assert!(
            svg.contains("height=\"30\"/>"),
            "half the peak is half: {svg}"
        );
        assert!(
            svg.contains("class=p>3</text>"),
            "points are labelled: {svg}"
        );
        let empty = distribution_svg("none", 1, &[0, 0]);
        assert_eq!(empty.matches("height=\"0\"/>").count(), 2);
    }

    #[test]
    fn every_point_is_on_the_axis_and_the_own_bar_apart() {
        let mut svg = String::new();
        feedback_svg(&mut svg, "Ratings <per> point", 1, &[0, 2, 4], Some(2));
        assert_eq!(
            svg,
            "<svg class=d viewBox=\"0 0 60 52\" role=img aria-label=\"Ratings &lt;per&gt; point: \
             1: 0, 2: 2, 3: 4\"><path class=a d=\"M0 38.5h60\"/><path d=\"M50 38V8\"/>\
             <path class=o d=\"M30 38V23\"/><text x=\"10 30 50\" y=50>123</text></svg>"
        );
        // An empty own point still shows a stub; two-digit and negative points are centred.
        let mut svg = String::new();
        feedback_svg(&mut svg, "R", -1, &[0, 12], Some(-1));
        assert!(svg.contains("<path class=o d=\"M10 38V36\"/>"), "{svg}");
        assert!(svg.contains("<path d=\"M30 38V8\"/>"), "{svg}");
        assert!(svg.contains("x=\"7.5 12.5 30\" y=50>-10<"), "{svg}");
        // Nobody rated: the axis alone, every point still numbered.
        let mut svg = String::new();
        feedback_svg(&mut svg, "R", 1, &[0, 0], None);
        assert!(!svg.contains("<path d="), "{svg}");
        assert!(svg.contains(">12</text>"), "{svg}");
    }

    #[test]
    fn a_long_scale_labels_every_kth_point_and_the_last() {
        let mut svg = String::new();
        feedback_svg(&mut svg, "R", 0, &[1; 101], None);
        let axis = svg.split("<text").nth(1).expect("an axis");
        let text = axis.split('>').nth(1).expect("axis text");
        assert_eq!(text, "0102030405060708090100</text");
        assert!(!svg.contains("class=o"));
    }
}
