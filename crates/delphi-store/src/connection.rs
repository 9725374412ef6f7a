//! Connections to SQLite or PostgreSQL behind one type, with SQLite's durability settings, and
//! the migrations (serialised across processes on PostgreSQL).

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
    /// A backup could not be made.
    #[error("backup failed: {0}")]
    Backup(String),
    /// The SQLite writer (group commit) could not take or commit a write.
    #[error("the database writer failed: {0}")]
    Writer(String),
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
                conn.batch_execute(SQLITE_PRAGMAS)?;
                DbConnection::Sqlite(conn)
            }
            Self::Postgres(url) => DbConnection::Pg(PgConnection::establish(url)?),
        })
    }
}

/// Every SQLite connection's settings:
/// - `synchronous = FULL`: in WAL mode every commit syncs the log before it returns, so an
///   acknowledged write survives a power cut, not only a crash of the process (NORMAL may
///   lose the last commits). One sync per commit is what the group commit of the pool's
///   writer (`group_commit.rs`) shares among many saves;
/// - `wal_autocheckpoint = 0`: no checkpoint inside a commit. Left on, the commit that
///   crossed 1,000 pages of log copied them into the database and synced it while holding
///   the write lock, and every save queued behind it for tens of milliseconds. The pool's
///   checkpointer thread (`pool.rs`) checkpoints beside the writers instead;
/// - `busy_timeout`: another process's writer (a separate `delphi worker`) is waited for,
///   not failed;
/// - foreign keys enforced.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; \
     PRAGMA wal_autocheckpoint = 0; PRAGMA foreign_keys = ON;";

/// Hands out connections of the configured backend.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
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

/// The PostgreSQL advisory lock that serialises migrations ("DELPHI" in ASCII).
const MIGRATION_LOCK: i64 = 0x4445_4c50_4849;

/// Applies pending migrations for the connection's backend.
///
/// Several instances started at once on one database take turns: the first applies the
/// migrations, the others then find nothing pending (without this, two could both try to
/// create the same table). On PostgreSQL they run under a session advisory lock; on SQLite
/// inside one `BEGIN IMMEDIATE` transaction (each migration a savepoint of it), so a second
/// process waits on the busy timeout for the file's write lock.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(&mut *c, "BEGIN IMMEDIATE")?;
            match c.run_pending_migrations(SQLITE_MIGRATIONS) {
                Ok(_) => Ok(AnsiTransactionManager::commit_transaction(&mut *c)?),
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(&mut *c);
                    Err(failed(e))
                }
            }
        }
        DbConnection::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(drop)
                .map_err(failed);
            // The lock is the session's: released here, or when the connection closes.
            let unlocked = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            result?;
            unlocked.map_err(StoreError::from)
        }
    }
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

    #[test]
    fn instances_starting_together_migrate_a_new_database_once() {
        for db in crate::testing::TestDb::all_unmigrated() {
            let barrier = std::sync::Barrier::new(3);
            std::thread::scope(|s| {
                for _ in 0..3 {
                    let (barrier, url) = (&barrier, &db.url);
                    s.spawn(move || {
                        let pool = crate::Pool::connect(url, 1).expect("a pool");
                        let mut conn = pool.get().expect("a connection");
                        barrier.wait();
                        run_migrations(&mut conn).expect("every instance starts");
                    });
                }
            });
            let mut conn = db.pool.get().unwrap();
            assert_eq!(
                crate::integrity::integrity_problems(&mut conn).unwrap(),
                Vec::<String>::new()
            );
            assert!(
                crate::studies::find_by_slug(&mut conn, "none")
                    .unwrap()
                    .is_none(),
                "{}",
                db.label
            );
        }
    }
}
