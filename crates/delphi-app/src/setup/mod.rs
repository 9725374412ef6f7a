//! Setting a study up in the browser: create it from fields, from the study folder's files or
//! from one workbook ([`create`], [`files`]); its items and panel while in draft ([`items`],
//! [`panel`]); its team and settings, and the protocol amendments after round 1 locked them
//! ([`protocol`]).
//!
//! Every use case takes the caller and checks it inside its own transaction; every bad
//! input is named (by field, or by file or sheet and line) and nothing is saved when any is
//! bad.

pub mod create;
pub mod files;
pub mod items;
pub mod members;
pub mod panel;
pub mod protocol;
mod workbook;

use delphi_core::definition::DefinitionErrors;
use delphi_core::lifecycle::StudyStatus;
use delphi_store::{rounds, studies, DbConnection};

use crate::access::{self, Actor, Permission};
use crate::AppError;

/// Every problem of an upload or a form at once, as the researcher reads them.
pub(crate) fn definition_refused(errors: &DefinitionErrors) -> AppError {
    AppError::invalid("definition", errors.to_string())
}

/// Lets a re-import replace `existing`: it must be a draft without rounds, and the caller
/// must be allowed to manage it (else the slug is taken, as if by someone else's study).
pub(crate) fn replaceable_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    existing: &studies::StudyRow,
) -> Result<(), AppError> {
    let taken = || {
        AppError::Conflict(format!(
            "a study called {:?} exists already; choose another short name",
            existing.slug
        ))
    };
    if !matches!(actor, Actor::Operator)
        && access::study(conn, actor, &existing.slug, Permission::Manage).is_err()
    {
        return Err(taken());
    }
    if !is_draft(conn, existing)? {
        return Err(AppError::Conflict(format!(
            "the study {:?} has started: it can no longer be replaced by a new import",
            existing.slug
        )));
    }
    Ok(())
}

/// Whether a study is still a draft: no round has been created.
pub(crate) fn is_draft(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
) -> Result<bool, AppError> {
    Ok(study.status == StudyStatus::Draft && rounds::for_study(conn, &study.id)?.is_empty())
}

/// Lets the caller change a study that must still be in draft (no round opened).
pub(crate) fn draft_study(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    what: &str,
) -> Result<(studies::StudyRow, access::Grant), AppError> {
    let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
    if !is_draft(conn, &study)? {
        return Err(AppError::Conflict(format!(
            "round 1 has opened: {what} only while the study is a draft"
        )));
    }
    Ok((study, grant))
}
