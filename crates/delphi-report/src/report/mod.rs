//! The consensus report.
