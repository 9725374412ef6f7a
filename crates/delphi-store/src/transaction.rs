//! Write and read transactions on one connection.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::{with_conn, DbConnection};

/// SQLite has one writer at a time. The writers of this process take turns on this lock
/// before `BEGIN IMMEDIATE`, so a waiting writer wakes as soon as the one before commits;
/// left to SQLite's busy handler, which sleeps with a growing back-off, some saves waited
/// hundreds of milliseconds under load (`delphi-load` measures it).
/// Another process on the same file (a separate `delphi worker`) still queues on the busy
/// timeout. One lock serves every SQLite file of the process (tests open many): a write
/// transaction is short, and none waits for another.
pub(crate) static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
