//! Researchers' sessions: one row per sign-in, keyed by the SHA-256 hash of the random id
//! the cookie carries (the id itself is never stored).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::sessions;
use crate::DbConnection;

/// A row of `sessions`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    /// SHA-256 of the cookie's session id, hex.
    pub id_hash: String,
    /// Whose session.
    pub user_id: String,
    /// Signed in at.
    pub created_at: NaiveDateTime,
    /// Valid until.
    pub expires_at: NaiveDateTime,
}

/// Records a new session.
pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The session with this hash, if it exists and has not expired at `now`.
pub fn find_live(
    conn: &mut DbConnection,
    id_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id_hash)
        .filter(sessions::expires_at.gt(now))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Ends one session; how many rows went (0 when it had ended already).
pub fn delete(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

/// Ends every session of `user_id` except `keep` (all of them when `keep` is `None`).
pub fn delete_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let mine = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep {
        Some(keep) => diesel::delete(mine.filter(sessions::id_hash.ne(keep))).execute(conn),
        None => diesel::delete(mine).execute(conn),
    }
}

/// Removes every session that expired before `now`.
pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}

/// The live sessions of a user at `now`, newest first.
pub fn for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
}
