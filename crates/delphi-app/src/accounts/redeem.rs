//! Following a one-time link: the page it opens, and choosing the password (which signs in).

use delphi_core::states::AccountLinkPurpose;
use delphi_store::account_links::{self, AccountLinkRow};
use delphi_store::{sessions, users, write_tx, DbConnection};
use serde::Serialize;

use super::refused;
use crate::sessions::NewSession;
use crate::users::User;
use crate::{App, AppError};

/// What the page of a working link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkView {
    /// First password or reset.
    pub purpose: AccountLinkPurpose,
    /// The login whose password it sets.
    pub email: String,
    /// The login's name.
    pub name: String,
}

/// The link of `token` and its user, if it still works now.
fn live(
    conn: &mut DbConnection,
    token: &str,
) -> Result<(AccountLinkRow, users::UserRow), AppError> {
    if !super::looks_like_token(token) {
        return Err(refused());
    }
    let now = delphi_store::now();
    let link =
        account_links::find_live(conn, &crate::tokens::hash(token), now)?.ok_or_else(refused)?;
    let user = users::find(conn, &link.user_id)?.ok_or_else(refused)?;
    Ok((link, user))
}

/// The page of a link that works; [`super::LINK_REFUSED`] for any other.
pub fn view(app: &App, token: &str) -> Result<LinkView, AppError> {
    let mut conn = app.conn()?;
    let (link, user) = live(&mut conn, token)?;
    Ok(LinkView {
        purpose: link.purpose,
        email: user.email,
        name: user.display_name,
    })
}

/// Sets the password of the link's login (the policy of [`crate::password::check_new`]),
/// uses the link up, ends every session of the user and their other unused links, and
/// starts a session for this browser: all in one transaction, nothing changed on a refusal.
pub fn choose_password(
    app: &App,
    token: &str,
    new: &str,
    repeat: &str,
) -> Result<NewSession, AppError> {
    let mut conn = app.conn()?;
    // Checked before the policy, so a dead link says so whatever was typed.
    live(&mut conn, token)?;
    crate::password::check_new(new, repeat)?;
    let hash = crate::password::hash(new)?;
    let token_hash = crate::tokens::hash(token);
    write_tx(&mut conn, |conn| {
        let now = delphi_store::now();
        let link = account_links::find_live(conn, &token_hash, now)?.ok_or_else(refused)?;
        if !account_links::use_once(conn, &link.id, now)? {
            return Err(refused());
        }
        if !users::set_password_hash(conn, &link.user_id, &hash)? {
            return Err(refused());
        }
        sessions::delete_for_user(conn, &link.user_id, None)?;
        account_links::delete_unused_for_user(conn, &link.user_id)?;
        let user = users::find(conn, &link.user_id)?.ok_or_else(refused)?;
        let (id, expires_at) = crate::sessions::start_in(conn, &user.id)?;
        Ok(NewSession {
            user: User::from(user),
            id,
            expires_at,
        })
    })
}
