//! Connections to SQLite or PostgreSQL behind one type, the pool, migrations and transactions.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// SQLite migrations, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// PostgreSQL migrations, embedded in the binary (same version names as SQLite's).
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// A connection to either backend. Most queries use it directly through diesel's
/// `MultiConnection`; the few dialect-specific statements match on it with [`with_conn!`].
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// The embedded default.
    Sqlite(SqliteConnection),
    /// For institutions hosting many studies.
    Pg(PgConnection),
}

/// Runs the same code against the concrete connection of either backend (for statements the
/// portable query builder cannot express, such as upserts).
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConnection::Sqlite($c) => $body,
            $crate::DbConnection::Pg($c) => $body,
        }
    };
}

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend we support.
    #[error("unsupported database URL {0:?}: use sqlite://path.db or postgres://...")]
    UnsupportedUrl(String),
    /// Could not connect.
    #[error("could not connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    /// The pool could not hand out a connection.
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// Migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (`sqlite://path`, `sqlite:path` or a bare path ending in `.db`/`.sqlite`).
    Sqlite(String),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads a URL, refusing anything that names neither backend.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if !path.is_empty() {
                return Ok(Self::Sqlite(path.to_owned()));
            }
        }
        if !url.contains("://") && (url.ends_with(".db") || url.ends_with(".sqlite")) {
            return Ok(Self::Sqlite(url.to_owned()));
        }
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }

    /// Opens one connection, with SQLite's pragmas set.
    pub fn connect(&self) -> Result<DbConnection, StoreError> {
        Ok(match self {
            Self::Sqlite(path) => {
                crate::private_file::create_if_missing(path).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!("creating {path}: {e}"))
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers work beside the writer; NORMAL synchronous in WAL mode keeps
                // every committed transaction across an application crash (a power cut may
                // lose the last commits, never corrupt the file). busy_timeout makes writers
                // queue instead of failing.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;",
                )?;
                DbConnection::Sqlite(conn)
            }
            Self::Postgres(url) => DbConnection::Pg(PgConnection::establish(url)?),
        })
    }
}

/// Hands out connections of the configured backend.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        with_conn!(conn, |c| {
            !matches!(
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
                Ok(None)
            )
        })
    }
}

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// A pool of connections; cheap to clone.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    backend: Backend,
}

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Pool {
    /// Connects a pool of at most `max_size` connections (SQLite files are created).
    pub fn connect(url: &str, max_size: u32) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let backend = match url {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        if let DatabaseUrl::Sqlite(_) = url {
            // WAL is a property of the file: set it once, before the pool opens connections
            // in parallel (switching modes needs the file to itself).
            url.connect()?.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        let inner = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .connection_timeout(Duration::from_secs(30))
            .build(ConnectionManager { url })?;
        Ok(Self { inner, backend })
    }

    /// A connection from the pool.
    pub fn get(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.inner.get()?)
    }

    /// The backend behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Applies pending migrations for the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), StoreError> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| StoreError::Migration(e.to_string()))
}

/// SQLite has one writer at a time. The writers of this process take turns on this lock
/// before `BEGIN IMMEDIATE`, so a waiting writer wakes as soon as the one before commits;
/// left to SQLite's busy handler, which sleeps with a growing back-off, some saves waited
/// hundreds of milliseconds under load (`delphi-web`'s `save_load` example measures it).
/// Another process on the same file (a separate `delphi worker`) still queues on the busy
/// timeout. One lock serves every SQLite file of the process (tests open many): a write
/// transaction is short, and none waits for another.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, after [`SQLITE_WRITER`]
/// (so concurrent writers queue instead of failing when a read turns into a write), a normal
/// transaction on PostgreSQL. Commits on `Ok`, rolls back on `Err`. `f` must not wait for
/// another write transaction of this process (it would wait for itself).
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _turn = match conn {
        DbConnection::Sqlite(c) => {
            // A writer that panicked left no transaction open (its connection rolled back
            // when dropped), so a poisoned lock is still a good turn.
            let turn = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    match f(conn) {
        Ok(value) => {
            with_conn!(conn, |c| AnsiTransactionManager::commit_transaction(c))?;
            Ok(value)
        }
        Err(err) => {
            // The error that caused the rollback is the one worth reporting.
            let _ = with_conn!(conn, |c| AnsiTransactionManager::rollback_transaction(c));
            Err(err)
        }
    }
}

/// Runs `f` in a read transaction (one consistent snapshot).
pub fn read_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond_micros()
}

trait TruncateMicros {
    fn with_nanosecond_micros(self) -> Self;
}

impl TruncateMicros for chrono::NaiveDateTime {
    fn with_nanosecond_micros(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://x.db").unwrap(),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
