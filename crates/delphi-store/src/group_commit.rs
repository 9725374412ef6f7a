//! Group commit: writer threads that commit the writes waiting together, in one transaction
//! with one flush of the log, and only then answer each.
//!
//! A durable commit waits for the disk, and one commit per save makes every save pay for a
//! flush and a transaction of its own: on SQLite (`synchronous = FULL`, about 5 ms a sync on
//! this project's test machine) that caps a file at a couple of hundred saves a second; on
//! PostgreSQL each commit is a round trip that waits for the log flush, takes the locks of
//! its foreign-key checks (the round's row, shared by every save) on its own, and keeps a
//! server process busy, so that at 3,000 saves a second the tail reached seconds.
//!
//! Here a write is a closure sent to a writer. A writer takes every write queued behind the
//! first (up to [`MAX_BATCH`]), runs each inside its own savepoint of one transaction (a write
//! that fails rolls back alone, the others stay), commits once, and then hands each caller
//! its own result. A caller never hears "saved" before the commit that holds its write has
//! returned: if the commit fails, every write of the batch reports the failure.
//!
//! SQLite has one writer per file (the file has one writer at a time; it takes turns with the
//! process's other writers on [`SQLITE_WRITER`]). PostgreSQL has [`POSTGRES_WRITERS`] on
//! connections of their own, sharing one queue: while one commits, the next gathers the
//! writes that arrived meanwhile. A writer whose connection broke (the server restarted)
//! opens a new one for its next batch.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::transaction::SQLITE_WRITER;
use crate::{with_conn, DatabaseUrl, DbConnection, StoreError};

/// The most writes committed together. A batch this long takes a few milliseconds to run;
/// more would only delay the first write's answer.
pub const MAX_BATCH: usize = 256;

/// Writers (and so connections of their own) per PostgreSQL pool. Each runs its batch's
/// statements one after another on its connection, so one alone would cap the saves at what
/// one connection's round trips allow; a few keep the server's processes busy while one
/// commits, without the hundreds of concurrent transactions of a save per connection.
pub const POSTGRES_WRITERS: usize = 4;

/// What the writer calls after the commit: `None` when it succeeded, else why it failed.
type Finish = Box<dyn FnOnce(Option<&str>) + Send>;
/// One write: runs inside its savepoint and says whether it succeeded (to keep or roll back
/// its savepoint), handing back what to do once the batch is committed.
type Job = Box<dyn FnOnce(&mut DbConnection) -> (bool, Finish) + Send>;

/// The sending side of a database's writer threads; the threads end when this is dropped
/// (after committing what was queued).
pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupWriter")
    }
}

impl GroupWriter {
    /// Starts the writers of `url`'s database: one for SQLite, [`POSTGRES_WRITERS`] for
    /// PostgreSQL. Each opens its connection before its first batch.
    pub(crate) fn start(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let writers = match url {
            DatabaseUrl::Sqlite(_) => 1,
            DatabaseUrl::Postgres(_) => POSTGRES_WRITERS,
        };
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..writers {
            let (url, queue) = (url.clone(), Arc::clone(&queue));
            std::thread::Builder::new()
                .name(format!("delphi-db-writer-{n}"))
                .spawn(move || run_writer(&url, &queue))
                .map_err(|e| StoreError::Writer(format!("starting a writer thread: {e}")))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `f` in the next group commit and returns its result once that commit is durable.
    pub(crate) fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel::<Result<T, E>>(1);
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let succeeded = result.is_ok();
            let finish: Finish = Box::new(move |commit_failed| {
                let result = match (result, commit_failed) {
                    (Ok(_), Some(why)) => Err(E::from(StoreError::Writer(format!(
                        "the commit failed, nothing was saved: {why}"
                    )))),
                    (result, _) => result,
                };
                // The caller may have gone (its request was cancelled): nothing to tell.
                let _ = reply.send(result);
            });
            (succeeded, finish)
        });
        self.jobs.send(job).map_err(|_| {
            E::from(StoreError::Writer(
                "the writer thread has stopped".to_owned(),
            ))
        })?;
        answer.recv().unwrap_or_else(|_| {
            // The job panicked (its reply was dropped with it) or the thread died.
            Err(E::from(StoreError::Writer(
                "the write failed before it was committed".to_owned(),
            )))
        })
    }
}

/// One writer: takes the next batch off the shared queue (the other writers wait for the
/// queue meanwhile), commits it, and again, until the queue's sender is dropped.
fn run_writer(url: &DatabaseUrl, queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut conn: Option<DbConnection> = None;
    loop {
        let batch = {
            let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            let Ok(first) = queue.recv() else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        if conn.is_none() {
            conn = match url.connect() {
                Ok(c) => Some(c),
                Err(error) => {
                    // The batch is dropped unrun: each caller hears nothing was saved.
                    tracing::warn!(%error, "the database writer cannot connect");
                    None
                }
            };
        }
        if let Some(c) = conn.as_mut() {
            commit_batch(c, batch);
            if !idle(c) {
                conn = None; // Broken (a failed rollback): a new connection next time.
            }
        }
    }
}

/// Whether the connection is outside any transaction, as a healthy one is between batches.
fn idle(conn: &mut DbConnection) -> bool {
    with_conn!(conn, |c| matches!(
        AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
        Ok(None)
    ))
}

/// A step of the transaction manager, on either backend.
#[derive(Clone, Copy)]
enum Step {
    /// `BEGIN IMMEDIATE` on SQLite (the write lock at once), `BEGIN` on PostgreSQL.
    BeginBatch,
    /// A savepoint inside the batch.
    Begin,
    Commit,
    Rollback,
}

fn step(conn: &mut DbConnection, step: Step) -> diesel::QueryResult<()> {
    fn on<C>(c: &mut C, step: Step, begin_batch: &str) -> diesel::QueryResult<()>
    where
        C: diesel::Connection<TransactionManager = AnsiTransactionManager>,
    {
        match step {
            Step::BeginBatch => AnsiTransactionManager::begin_transaction_sql(c, begin_batch),
            Step::Begin => AnsiTransactionManager::begin_transaction(c),
            Step::Commit => AnsiTransactionManager::commit_transaction(c),
            Step::Rollback => AnsiTransactionManager::rollback_transaction(c),
        }
    }
    match conn {
        DbConnection::Sqlite(c) => on(c, step, "BEGIN IMMEDIATE"),
        DbConnection::Pg(c) => on(c, step, "BEGIN"),
    }
}

/// Runs a batch in one transaction, a savepoint per job, commits, then answers each job.
/// A job dropped without its answer (a panic, a savepoint that could not open) tells its
/// caller that nothing was saved.
fn commit_batch(conn: &mut DbConnection, batch: Vec<Job>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(batch.len());
    let outcome = {
        // The process's other SQLite writers (`write_tx`) take turns with this thread.
        let _turn = matches!(conn, DbConnection::Sqlite(_))
            .then(|| SQLITE_WRITER.lock().unwrap_or_else(PoisonError::into_inner));
        match step(conn, Step::BeginBatch) {
            Err(e) => Err(e.to_string()),
            Ok(()) => {
                for job in batch {
                    if let Some(finish) = run_job(conn, job) {
                        finishers.push(finish);
                    }
                }
                step(conn, Step::Commit).map_err(|e| {
                    let _ = step(conn, Step::Rollback);
                    e.to_string()
                })
            }
        }
    };
    let failed = outcome.err();
    for finish in finishers {
        finish(failed.as_deref());
    }
}

/// Runs one job inside its own savepoint (diesel's nested transaction), kept if the job
/// succeeded and rolled back if it failed; returns what to call after the commit.
fn run_job(conn: &mut DbConnection, job: Job) -> Option<Finish> {
    step(conn, Step::Begin).ok()?;
    let ran = catch_unwind(AssertUnwindSafe(|| job(conn)));
    match ran {
        Ok((true, finish)) => match step(conn, Step::Commit) {
            Ok(()) => Some(finish),
            Err(e) => {
                let _ = step(conn, Step::Rollback);
                let why = e.to_string();
                Some(Box::new(move |_| finish(Some(&why))))
            }
        },
        Ok((false, finish)) => {
            let _ = step(conn, Step::Rollback);
            Some(finish)
        }
        Err(_) => {
            let _ = step(conn, Step::Rollback);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use delphi_core::states::MailKind;

    use crate::outbox::{self, NewOutboxMessage};
    use crate::testing::TestDb;
    use crate::{Pool, StoreError};

    fn message(i: usize) -> NewOutboxMessage {
        NewOutboxMessage {
            study_id: None,
            round_id: None,
            panellist_id: None,
            kind: MailKind::Invitation,
            recipient: format!("{i}@x.org"),
            context: serde_json::json!({}),
            dedupe_key: Some(format!("k{i}")),
        }
    }

    fn queued(url: &str) -> usize {
        // A pool of its own: what another process would see.
        let pool = Pool::connect(url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        outbox::next_due(&mut conn).unwrap();
        (0..64)
            .filter(|i| outbox::exists_with_key(&mut conn, &format!("k{i}")).unwrap())
            .count()
    }

    #[test]
    fn concurrent_writes_are_committed_and_a_failing_one_rolls_back_alone() {
        for db in TestDb::all() {
            let results: Vec<Result<bool, StoreError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..64)
                    .map(|i| {
                        let pool = db.pool.clone();
                        s.spawn(move || {
                            pool.write(move |conn| {
                                let added = outbox::enqueue(conn, &message(i), crate::now())?;
                                if i % 8 == 7 {
                                    // Written, then refused: nothing of it may stay.
                                    return Err(StoreError::Writer("refused".to_owned()));
                                }
                                Ok(added)
                            })
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let ok = results.iter().filter(|r| matches!(r, Ok(true))).count();
            assert_eq!(ok, 56, "{}: {results:?}", db.label);
            assert_eq!(queued(&db.url), 56, "{}", db.label);
        }
    }

    #[test]
    fn a_write_that_panics_fails_alone_and_the_writer_carries_on() {
        let db = TestDb::sqlite();
        let panicked: Result<(), StoreError> = db.pool.write(|_| panic!("a bug in a write"));
        assert!(panicked.is_err());
        let after: Result<bool, StoreError> = db
            .pool
            .write(|conn| Ok(outbox::enqueue(conn, &message(1), crate::now())?));
        assert!(after.unwrap());
        assert_eq!(queued(&db.url), 1);
    }
}
