//! A study's own wording of an email kind (subject and plain-text body), replacing the
//! embedded default for that study.

use chrono::NaiveDateTime;
use delphi_core::states::MailKind;
use diesel::prelude::*;

use crate::schema::email_templates;
use crate::{with_conn, DbConnection};

/// A row of `email_templates`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_templates)]
pub struct EmailTemplateRow {
    /// Study.
    pub study_id: String,
    /// Which email.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: MailKind,
    /// Handlebars source of the subject.
    pub subject: String,
    /// Handlebars source of the plain-text body.
    pub body_text: String,
    /// Last edited.
    pub updated_at: NaiveDateTime,
}

/// The study's wording of a kind, if it has its own.
pub fn find(
    conn: &mut DbConnection,
    study_id: &str,
    kind: MailKind,
) -> QueryResult<Option<EmailTemplateRow>> {
    email_templates::table
        .find((study_id, kind.as_str()))
        .select(EmailTemplateRow::as_select())
        .first(conn)
        .optional()
}

/// Every kind the study has reworded.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<EmailTemplateRow>> {
    email_templates::table
        .filter(email_templates::study_id.eq(study_id))
        .order(email_templates::kind)
        .select(EmailTemplateRow::as_select())
        .load(conn)
}

/// Saves the study's wording of a kind (insert or replace).
pub fn upsert(conn: &mut DbConnection, row: &EmailTemplateRow) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(email_templates::table)
        .values(row.clone())
        .on_conflict((email_templates::study_id, email_templates::kind))
        .do_update()
        .set((
            email_templates::subject.eq(&row.subject),
            email_templates::body_text.eq(&row.body_text),
            email_templates::updated_at.eq(row.updated_at),
        ))
        .execute(c))?;
    Ok(())
}

/// Goes back to the default wording; returns whether the study had its own.
pub fn delete(conn: &mut DbConnection, study_id: &str, kind: MailKind) -> QueryResult<bool> {
    let deleted =
        diesel::delete(email_templates::table.find((study_id, kind.as_str()))).execute(conn)?;
    Ok(deleted == 1)
}
