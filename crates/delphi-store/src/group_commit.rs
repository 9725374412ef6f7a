//! Group commit on SQLite: one writer thread per database file commits the writes that are
//! waiting together, in one transaction with one sync of the log, and only then answers each.
//!
//! With `synchronous = FULL` every commit waits for the disk (about 5 ms on this project's
//! test machine), so one commit per save caps a database at a couple of hundred saves a
//! second. Here a write is a closure sent to the writer; the writer takes every write
//! queued behind the first (up to [`MAX_BATCH`]), runs each inside its own savepoint in one
//! `BEGIN IMMEDIATE` transaction (a write that fails rolls back alone, the others stay),
//! commits once, and then hands each caller its own result. A caller never hears "saved"
//! before the commit that holds its write has returned: if the commit fails, every write of
//! the batch reports the failure.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::transaction::SQLITE_WRITER;
use crate::{DatabaseUrl, DbConnection, StoreError};

/// The most writes committed together. A batch this long takes a few milliseconds to run;
/// more would only delay the first write's answer.
pub const MAX_BATCH: usize = 256;

/// What the writer calls after the commit: `None` when it succeeded, else why it failed.
type Finish = Box<dyn FnOnce(Option<&str>) + Send>;
/// One write: runs inside its savepoint and says whether it succeeded (to keep or roll back
/// its savepoint), handing back what to do once the batch is committed.
type Job = Box<dyn FnOnce(&mut DbConnection) -> (bool, Finish) + Send>;

/// The sending side of one database file's writer thread; the thread ends when this is
/// dropped (after committing what was queued).
pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupWriter")
    }
}

impl GroupWriter {
    /// Opens the writer's own connection and starts its thread.
    pub(crate) fn start(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let mut conn = url.connect()?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("delphi-sqlite-writer".to_owned())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    commit_batch(&mut conn, batch);
                }
            })
            .map_err(|e| StoreError::Writer(format!("starting the writer thread: {e}")))?;
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

/// Runs a batch in one transaction, a savepoint per job, commits, then answers each job.
/// A job dropped without its answer (a panic, a savepoint that could not open) tells its
/// caller that nothing was saved.
fn commit_batch(conn: &mut DbConnection, batch: Vec<Job>) {
    let DbConnection::Sqlite(c) = conn else {
        return; // Only started for SQLite; the callers hear that their write failed.
    };
    let mut finishers: Vec<Finish> = Vec::with_capacity(batch.len());
    let outcome = {
        // The process's other SQLite writers (`write_tx`) take turns with this thread.
        let _turn = SQLITE_WRITER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match AnsiTransactionManager::begin_transaction_sql(&mut *c, "BEGIN IMMEDIATE") {
            Err(e) => Err(e.to_string()),
            Ok(()) => {
                for job in batch {
                    if let Some(finish) = run_job(conn, job) {
                        finishers.push(finish);
                    }
                }
                commit(conn)
            }
        }
    };
    let failed = outcome.err();
    for finish in finishers {
        finish(failed.as_deref());
    }
}

/// Commits the batch's transaction (rolled back if the commit fails).
fn commit(conn: &mut DbConnection) -> Result<(), String> {
    let DbConnection::Sqlite(c) = conn else {
        return Err("not an SQLite connection".to_owned());
    };
    AnsiTransactionManager::commit_transaction(&mut *c).map_err(|e| {
        let _ = AnsiTransactionManager::rollback_transaction(&mut *c);
        e.to_string()
    })
}

/// Runs one job inside its own savepoint (diesel's nested transaction), kept if the job
/// succeeded and rolled back if it failed; returns what to call after the commit.
fn run_job(conn: &mut DbConnection, job: Job) -> Option<Finish> {
    savepoint(conn, AnsiTransactionManager::begin_transaction).ok()?;
    let ran = catch_unwind(AssertUnwindSafe(|| job(conn)));
    match ran {
        Ok((true, finish)) => match savepoint(conn, AnsiTransactionManager::commit_transaction) {
            Ok(()) => Some(finish),
            Err(e) => {
                let _ = savepoint(conn, AnsiTransactionManager::rollback_transaction);
                let why = e.to_string();
                Some(Box::new(move |_| finish(Some(&why))))
            }
        },
        Ok((false, finish)) => {
            let _ = savepoint(conn, AnsiTransactionManager::rollback_transaction);
            Some(finish)
        }
        Err(_) => {
            let _ = savepoint(conn, AnsiTransactionManager::rollback_transaction);
            None
        }
    }
}

/// Applies a transaction-manager step to the SQLite connection.
fn savepoint(
    conn: &mut DbConnection,
    step: fn(&mut diesel::SqliteConnection) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => step(c),
        DbConnection::Pg(_) => Err(diesel::result::Error::BrokenTransactionManager),
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
