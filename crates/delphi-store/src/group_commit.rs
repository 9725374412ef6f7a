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
//! first (up to [`MAX_BATCH`]), runs them in one transaction, commits once, and then hands
//! each caller its own result. Usually every write succeeds, and they run one after another
//! with no statement but their own. When one fails, what it may have written is in the
//! transaction, so the writer rolls the batch back and runs it again with a savepoint per
//! write: a write that fails then rolls back alone and the others stay (a write may run
//! twice, so it is an `Fn`; only the second run's result counts). A caller never hears
//! "saved" before the commit that holds its write has returned: if the commit fails, every
//! write of the batch reports the failure.
//!
//! SQLite has one writer per file (the file has one writer at a time; it takes turns with the
//! process's other writers on [`SQLITE_WRITER`]). PostgreSQL has [`POSTGRES_WRITERS`] on
//! connections of their own, sharing one queue: while one commits, the next gathers the
//! writes that arrived meanwhile. A writer whose connection broke (the server restarted)
//! opens a new one for its next batch.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_channel::oneshot;

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::responses::ResponseRow;
use crate::saves::{self, PendingSave, SaveOutcome};
use crate::submissions::{self, PendingSubmission};
use crate::transaction::SQLITE_WRITER;
use crate::{with_conn, DatabaseUrl, DbConnection, StoreError};

/// The most writes committed together. A batch this long takes a few milliseconds to run;
/// more would only delay the first write's answer.
pub const MAX_BATCH: usize = 256;

/// Writers (and so connections of their own) per PostgreSQL pool. While one commits, the
/// other gathers the writes that arrive meanwhile, and a batch's saves are one statement
/// ([`saves::save_many`]), so fewer writers mean larger batches: on the 2-core test machine
/// two gave a lower and steadier tail at 3,000 saves/s than one or four.
pub const POSTGRES_WRITERS: usize = 2;

/// One write waiting in a batch: run (once, or twice when the batch is run again), then
/// told how the batch's commit went.
trait Job: Send {
    /// Runs the write on the batch's connection; whether it succeeded.
    fn run(&mut self, conn: &mut DbConnection) -> bool;
    /// Records that the write could not run (its savepoint could not be opened or kept).
    fn fail(&mut self, why: &str);
    /// Hands the caller its result: `commit_failed` is why the commit failed, if it did.
    fn finish(self: Box<Self>, commit_failed: Option<&str>);
    /// A panellist's save or submission, which PostgreSQL writes with the batch's others of
    /// its kind in one statement; `None` for any other write.
    fn lane(&self) -> Option<&Lane> {
        None
    }
    /// Records what became of the write [`Job::lane`] gave, run with the others.
    fn ran_together(&mut self, _outcome: SaveOutcome) {}
}

/// What a job's caller hears once its batch is over: its result, unless the commit that held
/// it failed (`commit_failed`) or it never ran.
fn settled<T, E: From<StoreError>>(
    result: Option<Result<T, E>>,
    commit_failed: Option<&str>,
) -> Result<T, E> {
    match (result, commit_failed) {
        (Some(Ok(_)), Some(why)) => Err(E::from(StoreError::Writer(format!(
            "the commit failed, nothing was saved: {why}"
        )))),
        (Some(result), _) => result,
        (None, why) => Err(E::from(StoreError::Writer(format!(
            "the write was not run, nothing was saved: {}",
            why.unwrap_or("the batch stopped")
        )))),
    }
}

/// A write PostgreSQL runs with the batch's others of its kind in one statement.
enum Lane {
    /// A panellist's save ([`saves::save_many`]): the answer and the link's stored hash.
    Save { row: ResponseRow, link: String },
    /// A panellist's submission ([`submissions::submit_many`]).
    Submit(PendingSubmission),
}

/// What became of a panellist's save or submission.
type Outcome = Result<SaveOutcome, StoreError>;

/// Where a batched write's caller waits for its outcome: a thread blocked on a channel, or a
/// task woken when it is sent ([`Committing`]).
enum Reply {
    Thread(mpsc::SyncSender<Outcome>),
    Task(oneshot::Sender<Outcome>),
}

impl Reply {
    fn send(self, outcome: Outcome) {
        // The caller may have gone (its request was cancelled): nothing to tell.
        match self {
            Reply::Thread(reply) => drop(reply.send(outcome)),
            Reply::Task(reply) => drop(reply.send(outcome)),
        }
    }
}

/// A save queued for the next group commit ([`crate::Pool::queue_save`]): a future of what
/// became of it, ready once the commit that holds it is durable. Nothing waits on a thread
/// meanwhile; dropping it does not take the save back.
#[must_use = "the outcome says whether the save was stored"]
pub struct Committing(oneshot::Receiver<Outcome>);

impl std::fmt::Debug for Committing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Committing")
    }
}

impl Future for Committing {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        Pin::new(&mut self.0).poll(cx).map(|answer| {
            // Canceled: the writer thread died with the job.
            answer.unwrap_or_else(|_| Err(never_committed()))
        })
    }
}

fn never_committed() -> StoreError {
    StoreError::Writer("the write failed before it was committed".to_owned())
}

/// A panellist's save or submission ([`GroupWriter::save`], [`GroupWriter::submit`]).
struct Batched {
    lane: Lane,
    result: Option<Outcome>,
    reply: Reply,
}

impl Job for Batched {
    fn run(&mut self, conn: &mut DbConnection) -> bool {
        // A refused save writes nothing, so only an error fails the batch's first run.
        let result = match &self.lane {
            Lane::Save { row, link } => saves::save(conn, row, link),
            Lane::Submit(submission) => submissions::submit(conn, submission),
        }
        .map_err(StoreError::from);
        let succeeded = result.is_ok();
        self.result = Some(result);
        succeeded
    }

    fn fail(&mut self, why: &str) {
        self.result = Some(Err(StoreError::Writer(format!(
            "the write could not run, nothing was saved: {why}"
        ))));
    }

    fn finish(self: Box<Self>, commit_failed: Option<&str>) {
        self.reply.send(settled(self.result, commit_failed));
    }

    fn lane(&self) -> Option<&Lane> {
        Some(&self.lane)
    }

    fn ran_together(&mut self, outcome: SaveOutcome) {
        self.result = Some(Ok(outcome));
    }
}

/// A caller's write, with its latest result and where to send it.
struct Write<F, T, E> {
    write: F,
    result: Option<Result<T, E>>,
    reply: mpsc::SyncSender<Result<T, E>>,
}

impl<F, T, E> Job for Write<F, T, E>
where
    F: Fn(&mut DbConnection) -> Result<T, E> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> bool {
        let result = catch_unwind(AssertUnwindSafe(|| (self.write)(conn))).unwrap_or_else(|_| {
            Err(E::from(StoreError::Writer(
                "the write failed before it was committed".to_owned(),
            )))
        });
        let succeeded = result.is_ok();
        self.result = Some(result);
        succeeded
    }

    fn fail(&mut self, why: &str) {
        self.result = Some(Err(E::from(StoreError::Writer(format!(
            "the write could not run, nothing was saved: {why}"
        )))));
    }

    fn finish(self: Box<Self>, commit_failed: Option<&str>) {
        // The caller may have gone (its request was cancelled): nothing to tell.
        let _ = self.reply.send(settled(self.result, commit_failed));
    }
}

/// The sending side of a database's writer threads; the threads end when this is dropped
/// (after committing what was queued).
pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<Box<dyn Job>>,
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
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
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
        F: Fn(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel::<Result<T, E>>(1);
        let job = Box::new(Write {
            write: f,
            result: None,
            reply,
        });
        self.jobs.send(job).map_err(|_| {
            E::from(StoreError::Writer(
                "the writer thread has stopped".to_owned(),
            ))
        })?;
        answer.recv().unwrap_or_else(|_| {
            // The writer thread died with the job.
            Err(E::from(StoreError::Writer(
                "the write failed before it was committed".to_owned(),
            )))
        })
    }
}

impl GroupWriter {
    /// Stores a panellist's answer (see [`saves::save`]) in the next group commit and
    /// returns what became of it once that commit is durable.
    pub(crate) fn save(&self, row: ResponseRow, link: String) -> Outcome {
        self.wait_for(Lane::Save { row, link })
    }

    /// Queues a panellist's answer for the next group commit, as [`GroupWriter::save`] does,
    /// without waiting: the returned future is ready once that commit is durable.
    pub(crate) fn queue_save(
        &self,
        row: ResponseRow,
        link: String,
    ) -> Result<Committing, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue(Lane::Save { row, link }, Reply::Task(reply))?;
        Ok(Committing(answer))
    }

    /// Writes a panellist's submission (see [`submissions::submit`]) in the next group
    /// commit and returns what became of it once that commit is durable.
    pub(crate) fn submit(&self, submission: PendingSubmission) -> Outcome {
        self.wait_for(Lane::Submit(submission))
    }

    fn wait_for(&self, lane: Lane) -> Outcome {
        let (reply, answer) = mpsc::sync_channel(1);
        self.queue(lane, Reply::Thread(reply))?;
        answer.recv().unwrap_or_else(|_| Err(never_committed()))
    }

    fn queue(&self, lane: Lane, reply: Reply) -> Result<(), StoreError> {
        let job = Box::new(Batched {
            lane,
            result: None,
            reply,
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Writer("the writer thread has stopped".to_owned()))
    }
}

/// One writer: takes the next batch off the shared queue (the other writers wait for the
/// queue meanwhile), commits it, and again, until the queue's sender is dropped.
fn run_writer(url: &DatabaseUrl, queue: &Mutex<mpsc::Receiver<Box<dyn Job>>>) {
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
    /// A savepoint inside the batch (the run again after a failure).
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

/// Runs a batch in one transaction and commits it (see [`run_batch`]), then answers each job.
fn commit_batch(conn: &mut DbConnection, mut batch: Vec<Box<dyn Job>>) {
    let outcome = {
        // The process's other SQLite writers (`write_tx`) take turns with this thread.
        let _turn = matches!(conn, DbConnection::Sqlite(_))
            .then(|| SQLITE_WRITER.lock().unwrap_or_else(PoisonError::into_inner));
        run_batch(conn, &mut batch)
    };
    let failed = outcome.err();
    for job in batch {
        job.finish(failed.as_deref());
    }
}

/// Runs the jobs one after another in one transaction and commits. When one fails, the
/// transaction is rolled back and the batch run again, each job inside a savepoint of its
/// own (diesel's nested transaction), kept if it succeeds and rolled back if it fails.
fn run_batch(conn: &mut DbConnection, batch: &mut [Box<dyn Job>]) -> Result<(), String> {
    step(conn, Step::BeginBatch).map_err(|e| e.to_string())?;
    if !run_together(conn, batch) {
        step(conn, Step::Rollback).map_err(|e| e.to_string())?;
        step(conn, Step::BeginBatch).map_err(|e| e.to_string())?;
        for job in batch.iter_mut() {
            run_in_savepoint(conn, job.as_mut());
        }
    }
    step(conn, Step::Commit).map_err(|e| {
        let _ = step(conn, Step::Rollback);
        e.to_string()
    })
}

/// The batch's first run: every job one after another, except that on PostgreSQL the saves
/// and then the submissions are written together after the others (the batch's callers are
/// concurrent, so any order among them is one they could have had). Stops at the first
/// failure.
fn run_together(conn: &mut DbConnection, batch: &mut [Box<dyn Job>]) -> bool {
    let together = matches!(conn, DbConnection::Pg(_));
    let (mut saves, mut submissions) = (Vec::new(), Vec::new());
    for (n, job) in batch.iter_mut().enumerate() {
        match job.lane() {
            Some(Lane::Save { .. }) if together => saves.push(n),
            Some(Lane::Submit(_)) if together => submissions.push(n),
            _ => {
                if !job.run(conn) {
                    return false;
                }
            }
        }
    }
    let saved = in_one_statement(batch, &saves, |lanes| {
        let pending: Vec<PendingSave<'_>> = lanes
            .iter()
            .filter_map(|lane| match lane {
                Lane::Save { row, link } => Some((row, link.as_str())),
                Lane::Submit(_) => None,
            })
            .collect();
        saves::save_many(conn, &pending)
    });
    saved
        && in_one_statement(batch, &submissions, |lanes| {
            let pending: Vec<&PendingSubmission> = lanes
                .iter()
                .filter_map(|lane| match lane {
                    Lane::Submit(submission) => Some(submission),
                    Lane::Save { .. } => None,
                })
                .collect();
            submissions::submit_many(conn, &pending)
        })
}

/// Runs the jobs at places `chosen` of the batch by `write_all` (given their lanes, one
/// outcome each, in order) and hands each its outcome; whether it succeeded.
fn in_one_statement(
    batch: &mut [Box<dyn Job>],
    chosen: &[usize],
    write_all: impl FnOnce(&[&Lane]) -> diesel::QueryResult<Vec<SaveOutcome>>,
) -> bool {
    if chosen.is_empty() {
        return true;
    }
    let outcomes = {
        let lanes: Vec<&Lane> = chosen.iter().filter_map(|n| batch[*n].lane()).collect();
        match write_all(&lanes) {
            Ok(outcomes) if outcomes.len() == chosen.len() => outcomes,
            _ => return false,
        }
    };
    for (n, outcome) in chosen.iter().zip(outcomes) {
        batch[*n].ran_together(outcome);
    }
    true
}

/// Runs one job inside its own savepoint, released if the job succeeded and rolled back if
/// it failed.
fn run_in_savepoint(conn: &mut DbConnection, job: &mut dyn Job) {
    if let Err(e) = step(conn, Step::Begin) {
        job.fail(&e.to_string());
        return;
    }
    if job.run(conn) {
        if let Err(e) = step(conn, Step::Commit) {
            let _ = step(conn, Step::Rollback);
            job.fail(&e.to_string());
        }
    } else {
        let _ = step(conn, Step::Rollback);
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
