//! Use cases: one function per operation, each owning its transaction and writing any outbox
//! rows inside it. Handlers call exactly one of these; nothing here knows about HTTP or SMTP.

mod audit;
mod error;
mod secret;

pub mod access;
pub mod accounts;
pub mod audit_log;
pub mod closing;
pub mod dashboard;
pub mod deadline;
pub mod email_templates;
pub mod erasure;
pub mod exports;
pub mod moderation;
pub mod monitor;
pub mod next_round;
pub mod opening;
pub mod outbox;
pub mod panellist;
pub mod participation;
pub mod password;
pub mod planner;
pub mod queries;
pub mod questions;
pub mod reminders;
pub mod round_mail;
pub mod round_results;
pub mod save_cache;
pub mod sessions;
pub mod setup;
pub mod studies;
pub mod times;
pub mod tokens;
pub mod users;

pub use access::{Actor, Refusal};
pub use error::AppError;
pub use secret::{BadSecretKey, SecretKey};

use delphi_store::{Pool, PooledConnection};

/// Everything a use case needs: the database, the server key, the public address, and the
/// parsed results of closed rounds.
#[derive(Clone, Debug)]
pub struct App {
    /// Connection pool.
    pub db: Pool,
    /// Seals panellist links; keys CSRF values.
    pub secret: SecretKey,
    /// Public address used in emailed links, without a trailing slash.
    pub base_url: String,
    /// Closed rounds' results as the panellist pages read them, parsed once per round.
    pub results: panellist::ResultsCache,
    /// Who may save into which open round, remembered after a panellist's first save.
    pub saves: save_cache::SaveCache,
}

impl App {
    /// Bundles the parts.
    pub fn new(db: Pool, secret: SecretKey, base_url: impl Into<String>) -> Self {
        Self {
            db,
            secret,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            results: panellist::ResultsCache::default(),
            saves: save_cache::SaveCache::default(),
        }
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<PooledConnection, AppError> {
        Ok(self.db.get()?)
    }
}

/// A new random id (UUID v4 as text, the stored form).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
#[path = "../../../fuzz/harness.rs"]
mod fuzz_harness;
