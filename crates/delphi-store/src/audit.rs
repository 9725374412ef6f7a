//! The audit log: who did what to a study, and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_log;
use crate::DbConnection;

/// A row of `audit_log`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// UUID.
    pub id: String,
    /// Study concerned.
    pub study_id: Option<String>,
    /// `user:<id>`, `panellist:<pseudonym>` or `system`.
    pub actor: String,
    /// What happened, e.g. `round.opened`.
    pub action: String,
    /// Details as JSON.
    pub detail: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Appends an entry.
pub fn record(conn: &mut DbConnection, row: &AuditRow) -> QueryResult<()> {
    // Fixed text, so kept prepared: every panellist's consent writes one.
    use crate::fixed::{Bind, Fixed};
    let statement = Fixed::new(
        "INSERT INTO audit_log (id, study_id, actor, action, detail, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            Bind::Text(&row.id),
            Bind::NullableText(row.study_id.as_deref()),
            Bind::Text(&row.actor),
            Bind::Text(&row.action),
            Bind::Text(&row.detail),
            Bind::Timestamp(&row.created_at),
        ],
    );
    crate::with_conn!(conn, |c| statement.execute(c)).map(drop)
}

/// A study's entries, oldest first.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::study_id.eq(study_id))
        .order(audit_log::created_at)
        .select(AuditRow::as_select())
        .load(conn)
}
