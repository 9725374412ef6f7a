//! Exports (CSV, XLSX, JSON), the delphi analyse pipeline and the HTML consensus report.
