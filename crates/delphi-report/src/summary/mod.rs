//! Figures derived from a record that several outputs show: the participant flow per round
//! and group, and each item's path through the rounds.

mod flow;
mod ledger;

pub use flow::{flow, FlowRow};
pub use ledger::{ledger, LedgerEntry, Visit};

/// 100·part/whole, `None` when whole is 0.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}
