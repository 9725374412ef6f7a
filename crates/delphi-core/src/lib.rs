//! The Delphi domain: typed values, consensus and stopping rules, the round lifecycle,
//! next-round planning and study definitions. No I/O.

pub mod definition;
pub mod lifecycle;
pub mod planning;
pub mod questions;
pub mod results;
pub mod rule;
pub mod settings;
pub mod states;
pub mod stopping;
pub mod text;
pub mod values;

pub use results::StoredResult;
pub use rule::{Classification, Classifier, ConsensusRule, RuleError, RuleInput};
pub use settings::StudySettings;
pub use states::Verdict;
pub use text::{TextError, TextKind};

#[cfg(test)]
#[path = "../../../fuzz/harness.rs"]
mod fuzz_harness;
#[cfg(test)]
mod fuzz_targets;
