//! One-time account links (a new login's first password, a forgotten password's reset): one
//! row per link, keyed by an id; the token is stored only as its SHA-256 hash and sealed under
//! the server key for the mail worker.

use chrono::NaiveDateTime;
use delphi_core::states::AccountLinkPurpose;
use diesel::prelude::*;

use crate::schema::account_links;
use crate::DbConnection;

/// A row of `account_links`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_links)]
pub struct AccountLinkRow {
    /// UUID (the outbox row names the link by it, never by its token).
    pub id: String,
    /// SHA-256 of the link's token, hex.
    pub token_hash: String,
    /// The token sealed under the server key; empty once the link is used.
    pub token_sealed: String,
    /// Whose password the link sets.
    pub user_id: String,
    /// First password or reset.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub purpose: AccountLinkPurpose,
    /// Issued.
    pub created_at: NaiveDateTime,
    /// Works until.
    pub expires_at: NaiveDateTime,
    /// Used (it works no more).
    pub used_at: Option<NaiveDateTime>,
}

/// Records a new link.
pub fn insert(conn: &mut DbConnection, row: &AccountLinkRow) -> QueryResult<()> {
    diesel::insert_into(account_links::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// A link by id, whatever its state.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<AccountLinkRow>> {
    account_links::table
        .find(id)
        .select(AccountLinkRow::as_select())
        .first(conn)
        .optional()
}

/// The link with this token hash if it still works at `now` (not used, not expired).
pub fn find_live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<AccountLinkRow>> {
    account_links::table
        .filter(account_links::token_hash.eq(token_hash))
        .filter(account_links::used_at.is_null())
        .filter(account_links::expires_at.gt(now))
        .select(AccountLinkRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the link used if it still works at `now` (and forgets its sealed token); whether it
/// did, so two uses at once find one winner.
pub fn use_once(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        account_links::table
            .find(id)
            .filter(account_links::used_at.is_null())
            .filter(account_links::expires_at.gt(now)),
    )
    .set((
        account_links::used_at.eq(Some(now)),
        account_links::token_sealed.eq(""),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Removes the user's links that were never used (superseded by a password just chosen);
/// how many went.
pub fn delete_unused_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(
        account_links::table
            .filter(account_links::user_id.eq(user_id))
            .filter(account_links::used_at.is_null()),
    )
    .execute(conn)
}

/// How many links of `purpose` the user was sent since `since` (the reset form's cap).
pub fn issued_since(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: AccountLinkPurpose,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::purpose.eq(purpose.as_str()))
        .filter(account_links::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Removes links that expired before `before` and were never used.
pub fn delete_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        account_links::table
            .filter(account_links::expires_at.le(before))
            .filter(account_links::used_at.is_null()),
    )
    .execute(conn)
}
