//! A new study from the browser's form: the fields of [`StudyFields`], checked exactly like
//! `study.toml`. The signed-in user who creates it becomes its owner.

use delphi_core::definition::StudyFields;

use super::definition_refused;
use crate::access::Actor;
use crate::{App, AppError};

/// Creates a draft study from the form's fields (or replaces the caller's draft of the same
/// short name). Returns its short name.
pub fn from_fields(app: &App, actor: &Actor, fields: &StudyFields) -> Result<String, AppError> {
    let definition = fields
        .definition("the form")
        .map_err(|e| definition_refused(&e))?;
    crate::studies::create_from_definition(app, actor, &definition, None)?;
    Ok(definition.slug)
}
