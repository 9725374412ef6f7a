//! The consensus report: one self-contained HTML file (inline CSS and SVG, no scripts, no
//! outside requests, a print stylesheet for PDF), rendered through the shared handlebars
//! setup (`delphi-render`, strict mode, HTML escaping) from the templates in
//! `web/templates/report/`.
//!
//! Each section is its own template rendered from a typed context; the layout
//! (`report/report.html`) places the rendered, already escaped sections. Charts come from
//! [`svg`], which escapes every text it writes.

mod analysis;
mod checklist;
mod items;
mod participants;
mod sensitivity;
mod summary;
pub mod svg;
mod text;

use std::io::Write;

use delphi_render::Templates;
use serde::Serialize;

use crate::export::ExportError;
use crate::record::StudyRecord;
use crate::summary::ledger;

/// The sections in order: (anchor, title in the table of contents).
pub const SECTIONS: [(&str, &str); 11] = [
    ("summary", "Study summary"),
    ("protocol", "Protocol"),
    ("participants", "Participants"),
    ("rounds", "Rounds"),
    ("ledger", "Item ledger"),
    ("results", "Results per item and round"),
    ("final", "Final list"),
    ("stability", "Stability and agreement"),
    ("attrition", "Attrition check"),
    ("sensitivity", "Sensitivity to the consensus definition"),
    ("checklist", "Reporting checklist"),
];

/// The section templates, in order (each renders one or more of [`SECTIONS`]).
pub const TEMPLATES: [&str; 5] = [
    "report/summary.html",
    "report/participants.html",
    "report/items.html",
    "report/analysis.html",
    "report/checklist.html",
];

#[derive(Serialize)]
struct TocEntry {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct Layout<'a> {
    title: &'a str,
    generated_at: String,
    software: String,
    toc: Vec<TocEntry>,
    /// Rendered sections (escaped by their own templates).
    sections: Vec<String>,
}

#[derive(Serialize)]
struct AnalysisPage {
    #[serde(flatten)]
    analysis: analysis::AnalysisContext,
    sensitivity: sensitivity::SensitivityContext,
}

/// Renders the report of `record` as one HTML document.
pub fn render_report_html(
    record: &StudyRecord,
    templates: &Templates,
) -> Result<String, ExportError> {
    let index = record.index()?;
    let ledger = ledger(&index);
    let dataset = analysis::counted_dataset(&index);
    let stats = dataset
        .as_ref()
        .map(|ds| delphi_stats::report(ds, &record.settings.describe_config()));
    let sections = vec![
        templates.render(TEMPLATES[0], &summary::context(&index, &ledger))?,
        templates.render(TEMPLATES[1], &participants::context(&index))?,
        templates.render(TEMPLATES[2], &items::context(&index, &ledger))?,
        templates.render(
            TEMPLATES[3],
            &AnalysisPage {
                analysis: analysis::context(&index, stats.as_ref().map_err(|e| e.as_str())),
                sensitivity: sensitivity::context(&index, &ledger),
            },
        )?,
        templates.render(TEMPLATES[4], &checklist::context(&index))?,
    ];
    let layout = Layout {
        title: &record.study.title,
        generated_at: text::time(&record.generated_at),
        software: format!("{} {}", record.software.name, record.software.version),
        toc: SECTIONS
            .iter()
            .map(|&(id, title)| TocEntry { id, title })
            .collect(),
        sections,
    };
    Ok(templates.render("report/report.html", &layout)?)
}

/// Renders the report of `record` and writes it to `out`.
pub fn write_report(
    record: &StudyRecord,
    templates: &Templates,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let html = render_report_html(record, templates)?;
    out.write_all(html.as_bytes())?;
    Ok(())
}
