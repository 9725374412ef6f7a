//! The pool: connections of the configured backend, the database's group-commit writers,
//! and on SQLite the file's checkpointer thread.

use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::group_commit::{Committing, GroupWriter};
use crate::{ConnectionManager, DatabaseUrl, DbConnection, StoreError};

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// How often the checkpointer copies the log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// A pool of connections; cheap to clone.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    beside: Arc<Beside>,
}

/// What a pool runs beside its connections. Dropped with the last clone of the pool, which
/// stops the threads.
#[derive(Debug)]
struct Beside {
    url: DatabaseUrl,
    /// The group-commit writers, started on the first grouped write.
    writer: OnceLock<Result<GroupWriter, String>>,
    /// SQLite's checkpointer; its drop tells it to stop.
    _checkpointer: Option<mpsc::Sender<()>>,
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
        let (backend, checkpointer) = match url {
            DatabaseUrl::Sqlite(_) => {
                // WAL is a property of the file: set it once, before the pool opens
                // connections in parallel (switching modes needs the file to itself).
                url.connect()?.batch_execute("PRAGMA journal_mode = WAL;")?;
                (Backend::Sqlite, Some(start_checkpointer(url.clone())?))
            }
            DatabaseUrl::Postgres(_) => (Backend::Postgres, None),
        };
        let beside = Arc::new(Beside {
            url: url.clone(),
            writer: OnceLock::new(),
            _checkpointer: checkpointer,
        });
        let inner = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .connection_timeout(Duration::from_secs(30))
            // A PostgreSQL connection checked before every use costs a round trip to the
            // server per request; one that broke is found by its failing query and then
            // dropped (`ConnectionManager::has_broken`). An SQLite check is a call in the
            // process, so it stays.
            .test_on_check_out(backend == Backend::Sqlite)
            .build(ConnectionManager::new(url))?;
        Ok(Self {
            inner,
            backend,
            beside,
        })
    }

    /// A connection from the pool.
    pub fn get(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.inner.get()?)
    }

    /// The backend behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` as a write transaction and returns once it is committed and durable, for
    /// short writes that many callers make at once (a panellist's autosave).
    ///
    /// `f` runs on one of the database's writer threads together with the other writes
    /// waiting at that moment, in one transaction, and that transaction's one commit (one
    /// flush of the log) makes them all durable (`group_commit.rs`); an `Err` from `f` rolls
    /// back only its own writes. `f` may run twice (when another write of its batch fails,
    /// the batch runs again), so it must not act outside the database; only the run that is
    /// committed gives the result.
    ///
    /// Like [`write_tx`], `f` must not start another write of this process, and this must
    /// not be called from inside a write transaction (either would wait for itself).
    ///
    /// [`write_tx`]: crate::write_tx
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: Fn(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<StoreError> + Send + 'static,
    {
        self.writer().map_err(E::from)?.write(f)
    }
}

impl Pool {
    /// The database's writer threads, started by the first write.
    fn writer(&self) -> Result<&GroupWriter, StoreError> {
        let beside = &self.beside;
        beside
            .writer
            .get_or_init(|| GroupWriter::start(&beside.url).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|why| StoreError::Writer(why.clone()))
    }

    /// Stores a panellist's answer through the group commit ([`crate::saves::save`]: only if
    /// its round is open, its panellist has not withdrawn and `link` is their live link) and
    /// returns what became of it once durable. On PostgreSQL a batch's saves are written by
    /// one statement ([`crate::saves::save_many`]).
    pub fn save(
        &self,
        row: crate::responses::ResponseRow,
        link: String,
    ) -> Result<crate::saves::SaveOutcome, StoreError> {
        self.writer()?.save(row, link)
    }

    /// Queues a panellist's answer for the group commit, as [`Pool::save`] stores it, and
    /// returns at once: the [`Committing`] future gives what became of it once durable, so
    /// an async caller waits without holding a thread.
    pub fn queue_save(
        &self,
        row: crate::responses::ResponseRow,
        link: String,
    ) -> Result<Committing, StoreError> {
        self.writer()?.queue_save(row, link)
    }

    /// Writes a panellist's submission through the group commit
    /// ([`crate::submissions::submit`]: only if its round is open, its panellist has not
    /// withdrawn and its link is their live one) and returns what became of it once durable.
    /// On PostgreSQL a batch's submissions are written by one statement
    /// ([`crate::submissions::submit_many`]).
    pub fn submit(
        &self,
        submission: crate::submissions::PendingSubmission,
    ) -> Result<crate::saves::SaveOutcome, StoreError> {
        self.writer()?.submit(submission)
    }
}

/// Starts the thread that checkpoints an SQLite file every [`CHECKPOINT_EVERY`] (its
/// connections never checkpoint inside a commit: see `connection.rs`). A passive checkpoint
/// copies what no reader still needs from the log into the database and syncs it, without
/// taking the write lock, so writers carry on meanwhile; once everything is copied, the next
/// writer starts the log again from its beginning, which keeps it small. The thread stops
/// when the returned sender is dropped.
fn start_checkpointer(url: DatabaseUrl) -> Result<mpsc::Sender<()>, StoreError> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("delphi-sqlite-checkpoint".to_owned())
        .spawn(move || {
            let mut conn: Option<DbConnection> = None;
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                if conn.is_none() {
                    conn = url.connect().ok();
                }
                if let Some(c) = conn.as_mut() {
                    if let Err(error) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(%error, "SQLite checkpoint failed; trying again");
                        conn = None;
                    }
                }
            }
        })
        .map_err(|e| StoreError::Writer(format!("starting the checkpoint thread: {e}")))?;
    Ok(stop)
}
