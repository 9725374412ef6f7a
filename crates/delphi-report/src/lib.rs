//! Exports (CSV, XLSX, JSON, codebook, SPSS and R scripts), the `delphi analyse` pipeline and
//! the HTML consensus report, all pure renderers over one input.
//!
//! - [`record`]: [`StudyRecord`], everything the exports and the report read, filled by the
//!   application from the database (panellists by pseudonym only);
//! - [`export`]: each export a function from `&StudyRecord` to a writer;
//! - [`report`]: the self-contained HTML consensus report (inline CSS and SVG, no scripts),
//!   rendered through the shared handlebars setup of `delphi-render`;
//! - [`analyse`]: `delphi analyse`, a ratings CSV in, the statistics of STATISTICS.md out;
//! - [`cells`]: how values are written into cells (formula neutralisation, times, numbers).

pub mod analyse;
pub mod cells;
pub mod export;
pub mod record;
pub mod report;
pub mod summary;

pub use record::StudyRecord;
