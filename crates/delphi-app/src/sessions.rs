//! Researchers' sessions, held on the server: signing in records a session under a random id
//! (256 bits from the OS; only its SHA-256 hash is stored, so a copy of the database gives no
//! usable session), the cookie carries the id, and a session is valid while its row exists
//! and until it expires ([`LIFETIME_HOURS`], checked here, not by the cookie's own age).
//! Signing out deletes the row, so a cookie kept after signing out opens nothing; changing
//! one's password ends every other session of the user; "sign out everywhere" ends them all.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use delphi_store::sessions::{self, SessionRow};
use delphi_store::users as user_rows;
use rand::RngCore;

use crate::access::{self, Actor};
use crate::users::User;
use crate::{App, AppError};

/// How long a sign-in lasts.
pub const LIFETIME_HOURS: i64 = 12;
/// Shortest new password, in characters.
pub const MIN_PASSWORD_CHARS: usize = crate::password::MIN_CHARS;

/// A session just started: the id goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Who signed in.
    pub user: User,
    /// The session id (the cookie's value).
    pub id: String,
    /// When it ends at the latest.
    pub expires_at: NaiveDateTime,
}

fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a cookie value could be a session id at all (cheap check before any query).
fn looks_like_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks the email and password (through the capped argon2 gate) and starts a session.
/// Expired sessions of everyone are swept in the same transaction.
pub fn sign_in(app: &App, email: &str, password: &str) -> Result<NewSession, AppError> {
    let user = crate::users::verify_login(app, email, password)?;
    let mut conn = app.conn()?;
    let (id, expires_at) = delphi_store::write_tx(&mut conn, |conn| start_in(conn, &user.id))?;
    Ok(NewSession {
        user,
        id,
        expires_at,
    })
}

/// Starts a session of `user_id` inside the caller's transaction (sweeping expired sessions
/// of everyone): the new id (for the cookie only) and when it ends.
pub(crate) fn start_in(
    conn: &mut delphi_store::DbConnection,
    user_id: &str,
) -> Result<(String, NaiveDateTime), AppError> {
    let id = new_session_id();
    let now = delphi_store::now();
    let expires_at = now + Duration::hours(LIFETIME_HOURS);
    sessions::delete_expired(conn, now)?;
    sessions::insert(
        conn,
        &SessionRow {
            id_hash: crate::tokens::hash(&id),
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at,
        },
    )?;
    Ok((id, expires_at))
}

/// The user of a live session, or `None` (unknown, ended, expired, or a deleted login).
pub fn resolve(app: &App, id: &str) -> Result<Option<User>, AppError> {
    if !looks_like_id(id) {
        return Ok(None);
    }
    let mut conn = app.conn()?;
    let now = delphi_store::now();
    let Some(session) = sessions::find_live(&mut conn, &crate::tokens::hash(id), now)? else {
        return Ok(None);
    };
    Ok(user_rows::find(&mut conn, &session.user_id)?.map(User::from))
}

/// Ends the session `id` (signing out); ending one that has ended already is no error.
pub fn sign_out(app: &App, id: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    sessions::delete(&mut conn, &crate::tokens::hash(id))?;
    Ok(())
}

/// Ends every session of the signed-in user, this one included; how many ended.
pub fn sign_out_everywhere(app: &App, actor: &Actor) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    delphi_store::write_tx(&mut conn, |conn| {
        let user = access::signed_in_user(conn, actor)?;
        Ok(sessions::delete_for_user(conn, &user.id, None)?)
    })
}

/// How many live sessions the signed-in user has (the account page says so).
pub fn count(app: &App, actor: &Actor) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    let user = access::signed_in_user(&mut conn, actor)?;
    Ok(sessions::for_user(&mut conn, &user.id, delphi_store::now())?.len())
}

/// A password change asked for on the account page.
#[derive(Debug, Clone)]
pub struct PasswordChange<'a> {
    /// The session making the change (it stays signed in).
    pub session_id: &'a str,
    /// The password in use now.
    pub current: &'a str,
    /// The new password.
    pub new: &'a str,
    /// The new password again.
    pub repeat: &'a str,
}

/// Changes the signed-in user's password (the current one required) and ends every other
/// session of the user; how many ended. Nothing changes when any check fails.
pub fn change_password(
    app: &App,
    actor: &Actor,
    change: &PasswordChange<'_>,
) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    let user = access::signed_in_user(&mut conn, actor)?;
    crate::password::check_new(change.new, change.repeat)?;
    if !crate::password::verify(change.current, Some(&user.password_hash))? {
        return Err(AppError::invalid(
            "current",
            "the current password is not right",
        ));
    }
    let hash = crate::password::hash(change.new)?;
    let keep = crate::tokens::hash(change.session_id);
    delphi_store::write_tx(&mut conn, |conn| {
        // The login is re-read inside the transaction: a user deleted meanwhile changes nothing.
        let user = access::signed_in_user(conn, actor)?;
        if !user_rows::set_password_hash(conn, &user.id, &hash)? {
            return Err(AppError::Refused(crate::Refusal::NotSignedIn));
        }
        Ok(sessions::delete_for_user(conn, &user.id, Some(&keep))?)
    })
}
