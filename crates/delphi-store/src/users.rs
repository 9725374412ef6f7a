//! Researcher and analyst logins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::users;
use crate::DbConnection;

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// UUID.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// May create studies and see every study.
    pub is_admin: bool,
    /// Created.
    pub created_at: NaiveDateTime,
}

/// Inserts a user.
pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A user by email (case-insensitive on the domain is the caller's job).
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// A user by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces a user's password hash; whether the user exists.
pub fn set_password_hash(conn: &mut DbConnection, id: &str, hash: &str) -> QueryResult<bool> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(|n| n > 0)
}
