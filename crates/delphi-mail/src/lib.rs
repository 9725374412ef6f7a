//! Email transports (SMTP, .eml files) and the outbox delivery worker.
//!
//! Every email goes through the outbox: use cases write rows in their own transaction; a
//! [`Worker`] (inside `delphi serve`, or alone as `delphi worker`) claims due rows with a
//! lease, renders them with the shared templates, sends them through a [`Transport`]
//! outside any transaction, and records each outcome. The Message-ID is
//! `<{outbox id}@{host of base_url}>`, so a message sent twice (a worker killed between the
//! server's acceptance and the database update) is recognisably the same message.

pub mod envelope;
mod study_cache;
mod transport;
mod worker;

pub use transport::{BadMailUrl, SendError, Transport, DEFAULT_TIMEOUT};
pub use worker::{DeliveryReport, Worker, WorkerConfig};

/// What stops the worker from starting or finishing a batch.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot work (sender address, sizes).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The transport URL is wrong.
    #[error(transparent)]
    Url(#[from] BadMailUrl),
    /// The embedded templates do not load.
    #[error(transparent)]
    Templates(#[from] delphi_render::RenderError),
    /// The database failed.
    #[error("outbox database: {0}")]
    Database(String),
    /// A task died.
    #[error("outbox worker: {0}")]
    Internal(String),
}

impl From<delphi_app::AppError> for MailError {
    fn from(e: delphi_app::AppError) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<delphi_store::QueryError> for MailError {
    fn from(e: delphi_store::QueryError) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<delphi_store::StoreError> for MailError {
    fn from(e: delphi_store::StoreError) -> Self {
        Self::Database(e.to_string())
    }
}
