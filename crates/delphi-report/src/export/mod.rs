//! The exports: each a function from a [`StudyRecord`] to a writer.
//!
//! - [`write_responses_csv`]: every answer as a tidy long CSV that `delphi analyse` reads
//!   as it is (`round,item_id,panellist_id,stakeholder_group,rating`, plus `counted`);
//! - [`write_results_csv`]: the stored results per round × item × group;
//! - [`write_xlsx`]: a workbook of items, results, participation, comments and background;
//! - [`write_json`]: the whole record (without contacts);
//! - [`write_codebook`], [`write_spss_syntax`], [`write_r_script`]: what every column
//!   means, and scripts that read the responses CSV with the labels applied;
//! - [`write_contacts_csv`]: names and addresses, only when the owner asked for them;
//! - [`Format`] and [`write_export`]: every download by name, file name and media type.
//!
//! Panellists appear by pseudonym only everywhere but in the contacts export. Text cells a
//! spreadsheet would run as a formula are neutralised ([`crate::cells::neutralise`]).
//! Long exports report progress through a [`Progress`] callback.

mod codebook;
mod columns;
mod format;
mod responses;
mod results;
mod scripts;
mod xlsx;

use std::io::{self, Write};

pub use codebook::write_codebook;
pub use columns::{responses_columns, Column, ColumnType, RESULTS_EXTRA_COLUMNS};
pub use format::{write_export, ExportOptions, Format};
pub use responses::{write_responses_csv, ResponsesCsvOptions};
pub use results::write_results_csv;
pub use scripts::{write_r_script, write_spss_syntax};
pub use xlsx::{write_xlsx, SHEETS};

use crate::record::{RecordProblem, StudyRecord};

/// Told how far a long export has come: `(rows written, total rows)`. Called every few
/// thousand rows and once at the end, so a command line can draw a progress bar.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// A [`Progress`] that ignores every report.
pub fn no_progress() -> impl FnMut(u64, u64) {
    |_, _| {}
}

/// How often (in rows) progress is reported.
pub(crate) const PROGRESS_EVERY: u64 = 4096;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The record's references do not resolve (every problem, each naming where it is).
    #[error("the study record is inconsistent: {}", join(.0))]
    Record(Vec<RecordProblem>),
    /// The writer failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] io::Error),
    /// The workbook could not be built.
    #[error("cannot build the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// A report template failed to render.
    #[error("cannot render the report: {0}")]
    Render(#[from] delphi_render::RenderError),
    /// The contacts export was asked for a record without contacts.
    #[error("this record holds no contact list: an owner must ask for it explicitly")]
    NoContacts,
}

fn join(problems: &[RecordProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        Self::Io(error.into())
    }
}

impl From<Vec<RecordProblem>> for ExportError {
    fn from(problems: Vec<RecordProblem>) -> Self {
        Self::Record(problems)
    }
}

/// The whole record as pretty JSON (serde), for archiving or other tools. The contact list
/// is never part of it.
pub fn write_json(record: &StudyRecord, out: &mut dyn Write) -> Result<(), ExportError> {
    record.index()?;
    serde_json::to_writer_pretty(&mut *out, record).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Names and addresses by pseudonym (`pseudonym,name,email`): the one export that holds
/// them, for an owner who asked. Fails when the record holds no contact list.
pub fn write_contacts_csv(record: &StudyRecord, out: &mut dyn Write) -> Result<(), ExportError> {
    record.index()?;
    let contacts = record.contacts.as_ref().ok_or(ExportError::NoContacts)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["pseudonym", "name", "email"])?;
    for c in contacts {
        w.write_record([
            crate::cells::neutralise(&c.pseudonym).as_ref(),
            crate::cells::neutralise(c.name.as_deref().unwrap_or("")).as_ref(),
            crate::cells::neutralise(&c.email).as_ref(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
