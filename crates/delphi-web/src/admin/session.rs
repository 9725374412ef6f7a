//! Researcher session cookies and their CSRF values. The session itself lives on the server
//! (`delphi_app::sessions`: a row per sign-in, ended by signing out, a password change or
//! "sign out everywhere", and expired there); the cookie only carries its random id.
//!
//! - Session cookie `delphi_admin`: the session id, HttpOnly, SameSite=Strict, path `/`
//!   (the pages under `/admin` and the JSON API under `/api/v1/studies` both read it),
//!   Secure when the site is served over https; kept by the browser for [`LIFETIME_HOURS`].
//! - A form's CSRF value: a MAC of the session cookie, so it changes with every sign-in and
//!   cannot be computed without the secret.
//! - The sign-in form and "Forgot your password?" (no session yet) use a double-submit
//!   value: a random cookie `delphi_login` and, in the form, its MAC.
//! - The page of a one-time account link: a MAC of the link's token.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use delphi_app::SecretKey;

type HmacSha256 = Hmac<Sha256>;

/// The session cookie.
pub const COOKIE: &str = "delphi_admin";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "delphi_login";
/// How long a sign-in lasts (the server enforces it; the cookie's age only follows it).
pub const LIFETIME_HOURS: i64 = delphi_app::sessions::LIFETIME_HOURS;
const PATH: &str = "/";

fn mac(secret: &SecretKey, purpose: &str, text: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&secret.derive(purpose))
        .expect("HMAC accepts a key of any length");
    mac.update(text.as_bytes());
    mac
}

fn sign(secret: &SecretKey, purpose: &str, text: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, purpose, text).finalize().into_bytes())
}

fn verify(secret: &SecretKey, purpose: &str, text: &str, presented: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(presented.trim()) {
        Ok(bytes) => mac(secret, purpose, text).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// The CSRF value of the forms of a session.
pub fn csrf(secret: &SecretKey, session: &str) -> String {
    sign(secret, "admin-csrf", session)
}

/// Whether `presented` is the CSRF value of `session`.
pub fn csrf_ok(secret: &SecretKey, session: &str, presented: &str) -> bool {
    verify(secret, "admin-csrf", session, presented)
}

/// A fresh random value for the sign-in form's cookie.
pub fn login_nonce() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The sign-in form's CSRF value for its cookie value.
pub fn login_csrf(secret: &SecretKey, nonce: &str) -> String {
    sign(secret, "admin-login-csrf", nonce)
}

/// Whether the sign-in form's value matches its cookie.
pub fn login_csrf_ok(secret: &SecretKey, nonce: &str, presented: &str) -> bool {
    !nonce.is_empty() && verify(secret, "admin-login-csrf", nonce, presented)
}

/// The CSRF value of the form a one-time account link opens: a MAC of the link's token, so
/// only someone who holds the link can post it.
pub fn link_csrf(secret: &SecretKey, token: &str) -> String {
    sign(secret, "account-link-csrf", token)
}

/// Whether `presented` is the CSRF value of the link `token`.
pub fn link_csrf_ok(secret: &SecretKey, token: &str, presented: &str) -> bool {
    verify(secret, "account-link-csrf", token, presented)
}

/// A cookie of the site (path `/`) with the safe flags.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::hours(LIFETIME_HOURS))
        .finish()
}

/// A cookie that deletes `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path(PATH).finish();
    cookie.make_removal();
    cookie
}

/// The value of cookie `name` in a request.
pub fn read(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_values_belong_to_one_session_and_one_sign_in_form() {
        let secret = SecretKey::generate();
        let (a, b) = (login_nonce(), login_nonce());
        assert!(csrf_ok(&secret, &a, &csrf(&secret, &a)));
        assert!(!csrf_ok(&secret, &b, &csrf(&secret, &a)));
        assert!(!csrf_ok(&secret, &a, ""));
        let nonce = login_nonce();
        assert!(login_csrf_ok(&secret, &nonce, &login_csrf(&secret, &nonce)));
        assert!(!login_csrf_ok(
            &secret,
            &login_nonce(),
            &login_csrf(&secret, &nonce)
        ));
        assert!(!login_csrf_ok(&secret, "", &login_csrf(&secret, "")));
    }
}
