//! "Forgot your password?": a reset link emailed to a login's address.

use chrono::Duration;
use delphi_core::states::{AccountLinkPurpose, MailKind};
use delphi_core::values::Email;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{account_links, users, write_tx};

use crate::{App, AppError};

/// Queues a reset link for the login of `email`, if there is one and it has had fewer than
/// [`super::RESETS_PER_HOUR`] in the last hour. Answers `Ok(())` either way (the page says
/// the same for every address, so the form does not tell who has a login); only an address
/// that is no address at all is refused, naming the field.
pub fn request(app: &App, email: &str) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.0))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let Some(user) = users::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        let now = delphi_store::now();
        let purpose = AccountLinkPurpose::ResetPassword;
        let recent =
            account_links::issued_since(conn, &user.id, purpose, now - Duration::hours(1))?;
        if recent >= super::RESETS_PER_HOUR {
            return Ok(());
        }
        let link = super::issue_in(conn, &app.secret, &user.id, purpose, now)?;
        outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: None,
                round_id: None,
                panellist_id: None,
                kind: MailKind::PasswordReset,
                recipient: user.email.clone(),
                context: serde_json::json!({ "account_link": link.id, "name": user.display_name }),
                dedupe_key: Some(format!("password_reset:{}", link.id)),
            },
            now,
        )?;
        Ok(())
    })
}
