//! CSRF values for the panellist's forms: HMAC-SHA256 of the token's hash under a key derived
//! from the server secret. The value is the same on every page of one link, needs no session,
//! and cannot be computed without the secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use delphi_app::SecretKey;

type HmacSha256 = Hmac<Sha256>;

/// The form field carrying the value.
pub const FIELD: &str = "csrf";
/// The header the JSON API expects it in.
pub const HEADER: &str = "x-csrf-token";

fn mac(secret: &SecretKey, token: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&secret.derive("panellist-csrf"))
        .expect("HMAC accepts a key of any length");
    mac.update(delphi_app::tokens::hash(token).as_bytes());
    mac
}

/// The CSRF value for a panellist link.
pub fn csrf_token(secret: &SecretKey, token: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, token).finalize().into_bytes())
}

/// Whether `presented` is the CSRF value of `token` (compared in constant time).
pub fn verify(secret: &SecretKey, token: &str, presented: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(presented.trim()) {
        Ok(bytes) => mac(secret, token).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_depend_on_the_token_and_the_secret() {
        let secret = SecretKey::generate();
        let value = csrf_token(&secret, "token-a");
        assert!(verify(&secret, "token-a", &value));
        assert!(!verify(&secret, "token-b", &value));
        assert!(!verify(&SecretKey::generate(), "token-a", &value));
        assert!(!verify(&secret, "token-a", "not base64 !"));
        assert!(!verify(&secret, "token-a", ""));
    }
}
