//! Panellists: pseudonyms, hashed link tokens, consent and withdrawal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::panellists;
use crate::DbConnection;

/// A row of `panellists`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = panellists)]
pub struct PanellistRow {
    /// UUID.
    pub id: String,
    /// Study.
    pub study_id: String,
    /// Stakeholder group.
    pub group_id: String,
    /// Where invitations go.
    pub email: String,
    /// Optional name (greetings only).
    pub name: Option<String>,
    /// Pseudonym used in exports, e.g. `P017`.
    pub pseudonym: String,
    /// SHA-256 of the link token, hex.
    pub token_hash: String,
    /// The token sealed under the server key (for emails).
    pub token_sealed: String,
    /// When the link was revoked.
    pub token_revoked_at: Option<NaiveDateTime>,
    /// When the panellist consented.
    pub consented_at: Option<NaiveDateTime>,
    /// When the panellist withdrew.
    pub withdrawn_at: Option<NaiveDateTime>,
    /// Added.
    pub created_at: NaiveDateTime,
}

/// Inserts panellists.
pub fn insert_many(conn: &mut DbConnection, rows: &[PanellistRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(panellists::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A panellist by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PanellistRow>> {
    panellists::table
        .find(id)
        .select(PanellistRow::as_select())
        .first(conn)
        .optional()
}

/// The panellist whose token hashes to `token_hash` (revoked or not).
pub fn find_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<PanellistRow>> {
    panellists::table
        .filter(panellists::token_hash.eq(token_hash))
        .select(PanellistRow::as_select())
        .first(conn)
        .optional()
}

/// A study's panel in pseudonym order.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<PanellistRow>> {
    panellists::table
        .filter(panellists::study_id.eq(study_id))
        .order(panellists::pseudonym)
        .select(PanellistRow::as_select())
        .load(conn)
}

/// How many panellists a study has (for the next pseudonym).
pub fn count_for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<i64> {
    panellists::table
        .filter(panellists::study_id.eq(study_id))
        .count()
        .get_result(conn)
}

/// Records consent (first time only).
pub fn consent(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    // Every panellist consents in the first minutes of round 1: kept prepared.
    let statement = crate::fixed::Fixed::new(
        "UPDATE panellists SET consented_at = ? WHERE id = ? AND consented_at IS NULL",
        vec![
            crate::fixed::Bind::Timestamp(&at),
            crate::fixed::Bind::Text(id),
        ],
    );
    crate::with_conn!(conn, |c| statement.execute(c)).map(drop)
}

/// Records withdrawal (first time only).
pub fn withdraw(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        panellists::table
            .find(id)
            .filter(panellists::withdrawn_at.is_null()),
    )
    .set(panellists::withdrawn_at.eq(at))
    .execute(conn)
    .map(drop)
}

/// Replaces the link token (the old link stops working).
pub fn replace_token(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    sealed: &str,
) -> QueryResult<()> {
    diesel::update(panellists::table.find(id))
        .set((
            panellists::token_hash.eq(hash),
            panellists::token_sealed.eq(sealed),
            panellists::token_revoked_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// Revokes the link token.
pub fn revoke_token(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(panellists::table.find(id))
        .set(panellists::token_revoked_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Removes a panellist's contact details (an erasure request): the address becomes
/// `placeholder`, the name goes, the link is revoked and the panellist is withdrawn.
pub fn erase_contact(
    conn: &mut DbConnection,
    id: &str,
    placeholder: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(panellists::table.find(id))
        .set((
            panellists::email.eq(placeholder),
            panellists::name.eq(None::<String>),
            panellists::token_revoked_at.eq(at),
        ))
        .execute(conn)?;
    withdraw(conn, id, at)
}
