//! Consensus statistics over Likert ratings, exactly as STATISTICS.md defines them.
//! Pure: counts in, numbers out. Undefined values are `None` (serialised as `null`).

pub mod comet;
pub mod dataset;
pub mod describe;
mod histogram;
pub mod hyndman_fan;
pub mod kendall;
pub mod mcnemar;
pub mod quantile;
pub mod rand_ucla;
pub mod report;
pub mod stability;
pub mod wilcoxon;

pub use comet::{CometThresholds, Consensus};
pub use dataset::{AddError, Cell, Dataset, DatasetBuilder, ScaleError};
pub use describe::{describe, describe_panel, percent, Band, DescribeConfig, ItemStatistics};
pub use histogram::Histogram;
pub use kendall::{kendall_w, KendallAccumulator, KendallW};
pub use mcnemar::{mcnemar, McNemar};
pub use quantile::{median, quantile, QuantileType};
pub use report::{report, Report};
pub use stability::{kappa, scheibe_pct_change, stability, Kappa, Stability, StabilityInput};
pub use wilcoxon::{wilcoxon, wilcoxon_differences, Wilcoxon};
