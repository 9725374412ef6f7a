//! Every download by name: [`Format`] is what `delphi export --format`, the `/admin` Exports
//! page and the JSON API offer, with its file name and media type, and [`write_export`]
//! writes any of them from one [`StudyRecord`].

use std::io::Write;

use delphi_render::Templates;

use super::{
    write_codebook, write_contacts_csv, write_json, write_r_script, write_responses_csv,
    write_results_csv, write_spss_syntax, write_xlsx, ExportError, Progress, ResponsesCsvOptions,
};
use crate::record::StudyRecord;

/// One of the downloads of a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Every answer as a tidy long CSV (`csv`), which `delphi analyse` reads as it is.
    ResponsesCsv,
    /// The stored results per round × item × group (`results-csv`).
    ResultsCsv,
    /// The workbook (`xlsx`).
    Xlsx,
    /// The whole record as JSON (`json`), without contacts.
    Json,
    /// The self-contained consensus report (`html`).
    Html,
    /// What every column means (`codebook`, Markdown).
    Codebook,
    /// SPSS (and GNU PSPP) syntax reading the responses CSV with labels (`spss`).
    Spss,
    /// An R script reading the responses CSV with labels (`r`).
    R,
    /// Names and addresses by pseudonym (`contacts`): owners only, audited.
    Contacts,
}

impl Format {
    /// Every format, in the order the Exports page lists them.
    pub const ALL: [Format; 9] = [
        Format::Html,
        Format::ResponsesCsv,
        Format::ResultsCsv,
        Format::Xlsx,
        Format::Json,
        Format::Codebook,
        Format::Spss,
        Format::R,
        Format::Contacts,
    ];

    /// The name used on the command line and in addresses, e.g. `results-csv`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ResponsesCsv => "csv",
            Self::ResultsCsv => "results-csv",
            Self::Xlsx => "xlsx",
            Self::Json => "json",
            Self::Html => "html",
            Self::Codebook => "codebook",
            Self::Spss => "spss",
            Self::R => "r",
            Self::Contacts => "contacts",
        }
    }

    /// The format named `name` ([`Format::name`]), if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Every format's name, for messages: `csv, results-csv, ...`.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    /// A short title for people, e.g. `Responses (CSV)`.
    pub fn title(self) -> &'static str {
        match self {
            Self::ResponsesCsv => "Responses (CSV)",
            Self::ResultsCsv => "Results (CSV)",
            Self::Xlsx => "Workbook (XLSX)",
            Self::Json => "Whole study (JSON)",
            Self::Html => "Consensus report (HTML)",
            Self::Codebook => "Codebook (Markdown)",
            Self::Spss => "SPSS syntax",
            Self::R => "R script",
            Self::Contacts => "Contact list (CSV)",
        }
    }

    /// What the file holds, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            Self::ResponsesCsv => "Every saved answer, one row each, by pseudonym: round, item and its words, group, rating or unable to rate, whether it counted, times. delphi analyse reads it as it is.",
            Self::ResultsCsv => "The results stored when each round closed, per round, item and stakeholder group: the same numbers as the results pages.",
            Self::Xlsx => "A workbook: the study, items and their history, results overall and per group, participation, comments with their moderation.",
            Self::Json => "The whole study as one JSON document (pseudonyms only), for archiving or other tools.",
            Self::Html => "One self-contained page for the paper: protocol, participant flow, items, results of every round, sensitivity and the reporting checklist. Prints to PDF.",
            Self::Codebook => "What every column of the two CSV files means, and the scale's labels.",
            Self::Spss => "Reads the responses CSV into SPSS or GNU PSPP with variable and value labels.",
            Self::R => "Reads the responses CSV into R (base R only) with the scale and groups as labelled factors.",
            Self::Contacts => "Names and email addresses by pseudonym. Only owners may download it, and every download is recorded in the audit log.",
        }
    }

    /// The file's name for study `slug`, e.g. `splw-leadership-responses.csv` (only
    /// letters, digits, `-` and `_` of the slug are kept, so it is safe in a header).
    pub fn file_name(self, slug: &str) -> String {
        let slug: String = slug
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let slug = if slug.is_empty() { "study" } else { &slug };
        let tail = match self {
            Self::ResponsesCsv => "responses.csv",
            Self::ResultsCsv => "results.csv",
            Self::Xlsx => "study.xlsx",
            Self::Json => "study.json",
            Self::Html => "report.html",
            Self::Codebook => "codebook.md",
            Self::Spss => "responses.sps",
            Self::R => "responses.R",
            Self::Contacts => "contacts.csv",
        };
        format!("{slug}-{tail}")
    }

    /// The media type of the file.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::ResponsesCsv | Self::ResultsCsv | Self::Contacts => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Json => "application/json",
            Self::Html => "text/html; charset=utf-8",
            Self::Codebook => "text/markdown; charset=utf-8",
            Self::Spss | Self::R => "text/plain; charset=utf-8",
        }
    }

    /// Whether the export holds names and addresses (the record must be loaded with them).
    pub fn needs_contacts(self) -> bool {
        self == Self::Contacts
    }

    /// Whether the responses CSV options (BOM, comments) change this export.
    pub fn uses_csv_options(self) -> bool {
        matches!(
            self,
            Self::ResponsesCsv | Self::Codebook | Self::Spss | Self::R
        )
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The choices an export takes besides its format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The responses CSV's options (also what the codebook and scripts describe).
    pub responses: ResponsesCsvOptions,
    /// The responses CSV file the SPSS and R scripts read (default: its download name,
    /// [`Format::file_name`] of [`Format::ResponsesCsv`]).
    pub csv_file: Option<String>,
}

/// Writes `format` of `record` to `out`. The HTML report renders with `templates`; long
/// exports (responses, results, workbook) report progress.
pub fn write_export(
    record: &StudyRecord,
    format: Format,
    options: &ExportOptions,
    templates: &Templates,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<(), ExportError> {
    let csv_file = || {
        options
            .csv_file
            .clone()
            .unwrap_or_else(|| Format::ResponsesCsv.file_name(&record.study.slug))
    };
    let opts = &options.responses;
    match format {
        Format::ResponsesCsv => write_responses_csv(record, opts, out, progress),
        Format::ResultsCsv => write_results_csv(record, out, progress),
        Format::Xlsx => write_xlsx(record, out, progress),
        Format::Json => write_json(record, out),
        Format::Html => crate::report::write_report(record, templates, out),
        Format::Codebook => write_codebook(record, opts, out),
        Format::Spss => write_spss_syntax(record, opts, &csv_file(), out),
        Format::R => write_r_script(record, opts, &csv_file(), out),
        Format::Contacts => write_contacts_csv(record, out),
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn every_format_has_a_unique_name_that_parses_back() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
            assert!(f.file_name("s").starts_with("s-"));
        }
        let mut names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Format::ALL.len());
        assert_eq!(Format::parse("pdf"), None);
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(Format::Xlsx.file_name("a\"b\r\n/c d"), "abcd-study.xlsx");
        assert_eq!(Format::Html.file_name("\""), "study-report.html");
    }
}
