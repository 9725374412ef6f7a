//! The Delphi domain: typed values, consensus and stopping rules, the round lifecycle. No I/O.

pub mod settings;

pub use settings::StudySettings;
