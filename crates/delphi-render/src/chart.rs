//! A small distribution chart as inline SVG, written directly (one per item and group on the
//! researcher's results page, so it must be cheap): one bar per scale point, the count above
//! each bar, the scale's ends labelled. Text is escaped here; the markup is safe to insert
//! unescaped (`{{{chart}}}`).

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
}
