//! The report's content: every section, the charts, the checklist's item numbers exactly as
//! REPORTING.md cites them, and records with little in them.

use delphi_render::Templates;
use delphi_report::report::{render_report_html, SECTIONS};

use crate::synthetic::{study, Shape};

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x3D;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_report_has_every_section_chart_and_checklist_item() {
    let record = study(Shape::small());
    let templates = Templates::load().expect("templates");
    let html = render_report_html(&record, &templates).expect("report");
    for (id, _) in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "contents link to {id}"
        );
    }
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("url(http")
    );
    assert!(
        html.contains("default-src 'none'"),
        "a CSP that forbids every outside request"
    );
    // A chart per item and rated round, each with its accessible name and every point.
    let rated: usize = record.rounds.iter().map(|r| r.items.len()).sum();
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dist\"")
            .count(),
        rated
    );
    assert_eq!(
        html.matches("role=\"img\" aria-label=\"Ratings of ")
            .count(),
        rated
    );
    assert!(html.contains("class=\"flow\""));
    assert!(html.contains("Hyndman–Fan type 7"));
    for label in [
        "Wilcoxon",
        "Kendall",
        "Scheibe",
        "COMET 70/15",
        "RAND/UCLA",
        "(type 6)",
        "(type 7)",
    ] {
        assert!(html.contains(label), "{label}");
    }
    // Checklist item numbers: each is a cell of REPORTING.md's mapping, verbatim.
    let mapping = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/REPORTING.md"
    ))
    .expect("../shared/REPORTING.md beside the repository");
    let text = unescape(&html);
    let checklist = &text[text.find("<section id=\"checklist\">").expect("checklist")..];
    let mut cited = 0;
    for row in checklist.split("<tr><th scope=\"row\">").skip(1) {
        let items = row
            .split("<td>")
            .nth(1)
            .and_then(|c| c.split("</td>").next())
            .expect("items cell");
        assert!(
            mapping.contains(&format!("| {items} |")),
            "{items:?} is not in REPORTING.md"
        );
        cited += 1;
    }
    assert_eq!(cited, 21);
    assert!(checklist.contains("For the authors to complete"));
    // The attrition check compares those who left with those who stayed.
    assert!(
        text.contains("those who left rated on average"),
        "attrition summary"
    );
}

#[test]
fn records_with_little_in_them_still_render() {
    let templates = Templates::load().expect("templates");
    let mut draft = study(Shape::small());
    draft.rounds.clear();
    draft.responses.clear();
    draft.results.clear();
    draft.moderation.clear();
    draft.protocol = Default::default();
    draft.study.ethics_reference = None;
    for p in &mut draft.panellists {
        p.background.clear();
    }
    let html = render_report_html(&draft, &templates).expect("a draft renders");
    let text = unescape(&html);
    assert!(text.contains("The platform holds no lock time"));
    assert!(text.contains("No amendments were recorded."));
    assert!(text.contains("No background questions were recorded"));
    assert!(text.contains("Not computed: no counted ratings."));
    assert!(text.contains("No round has run."));

    let mut one = study(Shape {
        rounds: 1,
        ..Shape::small()
    });
    one.settings.scale.labels.clear();
    let html = render_report_html(&one, &templates).expect("one round renders");
    assert!(unescape(&html).contains("Only one round has run"));
}

#[test]
fn other_scales_use_the_study_bands_in_the_sensitivity_table() {
    let templates = Templates::load().expect("templates");
    let mut record = study(Shape::small());
    record.settings.scale.labels.clear();
    record.settings.scale.max = 10;
    let html = render_report_html(&record, &templates).expect("renders");
    let text = unescape(&html);
    assert!(
        text.contains("The scale is 1–10, not 1–9"),
        "sensitivity note"
    );
    assert!(text.contains("<th scope=\"col\">Median ≥ 7, IQR ≤ 1 (type 6)</th>"));
}
