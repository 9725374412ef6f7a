//! Consensus statistics over Likert ratings, exactly as STATISTICS.md defines them.
//! Pure: counts in, numbers out. Undefined values are `None` (serialised as `null`).

pub mod comet;
pub mod describe;
mod histogram;
pub mod quantile;
pub mod rand_ucla;

pub use comet::{Consensus, CometThresholds};
pub use describe::{describe, describe_panel, percent, Band, DescribeConfig, ItemStatistics};
pub use histogram::Histogram;
pub use quantile::{median, quantile, QuantileType};
