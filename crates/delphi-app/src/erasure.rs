//! A panellist's request to erase their personal data. Their contact details go everywhere
//! they are stored (the panel, the outbox's recipients and delivery errors); their answers
//! stay under the pseudonym, or go too, as the study's consent text says. The request is
//! recorded in the audit log (by pseudonym, never by address).

use delphi_store::{outbox, panellists, responses, write_tx};

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// What the consent text says becomes of a panellist's answers when their data is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasedAnswers {
    /// The answers stay, under the pseudonym only (usual consent texts say answers given
    /// before withdrawing are kept and analysed).
    Keep,
    /// The answers and their comments are deleted as well (with the suggestions and the
    /// background answers).
    Remove,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// The pseudonym that remains.
    pub pseudonym: String,
    /// Messages whose address was forgotten.
    pub messages: usize,
    /// Answers deleted (none when kept).
    pub answers_removed: usize,
}

/// The address an erased panellist's rows carry instead of theirs (unique in the study, and
/// in a reserved domain that can never receive mail).
fn placeholder(pseudonym: &str) -> String {
    format!("erased-{}@erased.invalid", pseudonym.to_lowercase())
}

/// Erases the contact details of the panellist `pseudonym` of the study `slug`, keeping or
/// removing their answers.
pub fn erase_panellist(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
    answers: ErasedAnswers,
) -> Result<Erasure, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let person = panellists::for_study(conn, &study.id)?
            .into_iter()
            .find(|p| p.pseudonym == pseudonym)
            .ok_or_else(|| {
                AppError::NotFound(format!("this study has no panellist {pseudonym}"))
            })?;
        let erased = placeholder(&person.pseudonym);
        if person.email == erased {
            return Err(AppError::Conflict(format!(
                "the personal data of {pseudonym} was erased already"
            )));
        }
        let now = delphi_store::now();
        panellists::erase_contact(conn, &person.id, &erased, now)?;
        let messages = outbox::erase_recipient(conn, &person.id, &erased)?;
        let answers_removed = match answers {
            ErasedAnswers::Keep => 0,
            ErasedAnswers::Remove => {
                responses::delete_for_panellist(conn, &person.id)?
                    + delphi_store::questions::delete_for_panellist(conn, &person.id)?
            }
        };
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.erased",
            serde_json::json!({
                "pseudonym": person.pseudonym,
                "answers": answers,
                "messages": messages,
                "answers_removed": answers_removed,
            }),
        )?;
        Ok(Erasure {
            pseudonym: person.pseudonym,
            messages,
            answers_removed,
        })
    })
}
