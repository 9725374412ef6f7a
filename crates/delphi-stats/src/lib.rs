//! Consensus statistics over Likert ratings, exactly as STATISTICS.md defines them.
//! Pure: counts in, numbers out.

mod histogram;

pub use histogram::Histogram;
