//! One-time links that let a person choose a password, without anyone else knowing it:
//!
//! - a **first password**: when an owner adds an address that has no login yet
//!   ([`crate::setup::members::add`]), the login is created without a usable password
//!   ([`crate::password::UNUSABLE`]) and an `account_invitation` email carries a link that
//!   works for [`SET_PASSWORD_DAYS`] days;
//! - a **reset** ([`reset::request`]): anyone may ask for one by address; the answer is the
//!   same whether a login exists or not, an unknown address writes nothing, and a login gets
//!   at most [`RESETS_PER_HOUR`] links an hour; each works for [`RESET_HOURS`] hour.
//!
//! A link's token is 256 random bits from the OS; the database keeps its SHA-256 hash (for
//! the lookup) and the token sealed under the server key (so the mail worker can write the
//! link into the email: the outbox row names the link by id, never by token). Using a link
//! ([`redeem::choose_password`]) is one transaction: the link is marked used only if it still
//! works (two uses at once find one winner), the password set, every session of the user
//! ended, their other unused links removed, and a session started for this browser. A used,
//! expired or unknown link answers the same [`AppError::NotFound`] ([`LINK_REFUSED`]).

pub mod mail;
pub mod redeem;
pub mod reset;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use delphi_core::states::AccountLinkPurpose;
use delphi_store::account_links::{self, AccountLinkRow};
use delphi_store::DbConnection;
use rand::RngCore;

use crate::{AppError, SecretKey};

/// How long a new login's first-password link works.
pub const SET_PASSWORD_DAYS: i64 = 7;
/// How long a reset link works.
pub const RESET_HOURS: i64 = 1;
/// Most reset links one login is sent in an hour (more requests are answered the same and
/// send nothing, so the form cannot flood someone's inbox).
pub const RESETS_PER_HOUR: i64 = 3;

/// What every unusable link answers (used, expired, unknown or malformed alike).
pub const LINK_REFUSED: &str = "this link does not work: it may have been used already or \
    have expired. Ask for a new one with \"Forgot your password?\" on the sign-in page, or \
    ask the study's owner to add you again";

/// The refusal of a link that does not work.
pub(crate) fn refused() -> AppError {
    AppError::NotFound(LINK_REFUSED.to_owned())
}

/// How long a link of `purpose` works.
pub fn lifetime(purpose: AccountLinkPurpose) -> Duration {
    match purpose {
        AccountLinkPurpose::SetPassword => Duration::days(SET_PASSWORD_DAYS),
        AccountLinkPurpose::ResetPassword => Duration::hours(RESET_HOURS),
    }
}

/// The link's lifetime in words, for the email and the pages.
pub fn lifetime_words(purpose: AccountLinkPurpose) -> String {
    match purpose {
        AccountLinkPurpose::SetPassword => format!("{SET_PASSWORD_DAYS} days"),
        AccountLinkPurpose::ResetPassword if RESET_HOURS == 1 => "1 hour".to_owned(),
        AccountLinkPurpose::ResetPassword => format!("{RESET_HOURS} hours"),
    }
}

/// Whether a path segment could be a link token at all (43 base64url characters: 32 bytes).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The page a token opens.
pub fn link(base_url: &str, token: &str) -> String {
    format!(
        "{}/admin/set-password/{token}",
        base_url.trim_end_matches('/')
    )
}

/// Issues a link of `purpose` for `user_id` inside the caller's transaction (sweeping links
/// that expired a day ago); the stored row (the clear token is only ever sealed in it).
pub(crate) fn issue_in(
    conn: &mut DbConnection,
    secret: &SecretKey,
    user_id: &str,
    purpose: AccountLinkPurpose,
    now: NaiveDateTime,
) -> Result<AccountLinkRow, AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    account_links::delete_expired(conn, now - Duration::days(1))?;
    let row = AccountLinkRow {
        id: crate::new_id(),
        token_hash: crate::tokens::hash(&token),
        token_sealed: crate::tokens::seal(secret, &token),
        user_id: user_id.to_owned(),
        purpose,
        created_at: now,
        expires_at: now + lifetime(purpose),
        used_at: None,
    };
    account_links::insert(conn, &row)?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_recognised_by_shape_and_links_name_the_page() {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        assert!(looks_like_token(&token), "{token}");
        assert!(!looks_like_token(&token[1..]));
        assert!(!looks_like_token(&format!("{}/", &token[1..])));
        assert_eq!(
            link("https://d.org/", "abc"),
            "https://d.org/admin/set-password/abc"
        );
        assert_eq!(lifetime_words(AccountLinkPurpose::ResetPassword), "1 hour");
        assert_eq!(lifetime_words(AccountLinkPurpose::SetPassword), "7 days");
    }
}
