//! Exports (CSV, XLSX, JSON), the delphi analyse pipeline and the HTML consensus report.
//!
//! For now this crate holds [`analyse`]: the `delphi analyse` pipeline from a ratings CSV to
//! the statistics of STATISTICS.md.

pub mod analyse;
