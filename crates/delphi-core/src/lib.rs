//! The Delphi domain: typed values, consensus and stopping rules, the round lifecycle,
//! next-round planning and study definitions. No I/O.

pub mod definition;
pub mod lifecycle;
pub mod planning;
pub mod rule;
pub mod settings;
pub mod stopping;
pub mod values;

pub use rule::{Classification, Classifier, ConsensusRule, RuleError, RuleInput};
pub use settings::StudySettings;
