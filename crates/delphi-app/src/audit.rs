//! Writing the audit log from inside a use case's transaction.

use delphi_store::{audit, DbConnection};

use crate::AppError;

/// Appends an audit entry.
pub(crate) fn record(
    conn: &mut DbConnection,
    study_id: &str,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &audit::AuditRow {
            id: crate::new_id(),
            study_id: Some(study_id.to_owned()),
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.to_string(),
            created_at: delphi_store::now(),
        },
    )?;
    Ok(())
}
