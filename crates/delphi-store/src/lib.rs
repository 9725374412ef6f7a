//! The only crate that names diesel: the portable schema, one query module per table with
//! its row structs, connections to SQLite or PostgreSQL, the pool and the embedded migrations.

pub mod account_links;
pub mod amendments;
pub mod audit;
mod backup;
mod batched;
mod connection;
pub mod drafts;
pub mod email_templates;
mod fixed;
#[cfg(test)]
mod fixtures;
mod group_commit;
mod integrity;
pub mod items;
pub mod outbox;
pub mod panellists;
pub mod plans;
mod pool;
mod private_file;
pub mod questions;
pub mod responses;
pub mod results;
pub mod rounds;
pub mod saves;
pub mod schema;
pub mod sessions;
pub mod studies;
pub mod submissions;
pub mod testing;
mod transaction;
pub mod users;

pub use backup::backup_sqlite;
pub use connection::{
    now, run_migrations, ConnectionManager, DatabaseUrl, DbConnection, StoreError,
    POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS,
};
pub use group_commit::Committing;
pub use integrity::integrity_problems;
pub use pool::{Backend, Pool, PooledConnection};
pub use transaction::{read_tx, write_tx};

/// The error type of every query.
pub use diesel::result::Error as QueryError;
/// Result of a query.
pub use diesel::QueryResult;

/// Whether a query error is a unique-constraint violation.
pub fn is_unique_violation(error: &QueryError) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A stored value that does not parse, as a query error that names it (never a silent
/// default).
pub(crate) fn damaged(error: impl std::error::Error + Send + Sync + 'static) -> QueryError {
    diesel::result::Error::DeserializationError(Box::new(error))
}
