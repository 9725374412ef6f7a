//! Panellist link tokens: 192 random bits from the OS, stored only as a SHA-256 hash (for
//! lookup) and sealed under the server key (so the mail worker can put the link in later
//! emails). A copy of the database alone gives no usable link.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{AppError, SecretKey};

/// A freshly issued token: the clear text goes into links, the rest into the database.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token as it appears in `/p/{token}`.
    pub token: String,
    /// SHA-256 of the token, hex (stored, looked up).
    pub hash: String,
    /// The token sealed under the server key (stored).
    pub sealed: String,
}

/// Issues a new token.
pub fn issue(secret: &SecretKey) -> IssuedToken {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    IssuedToken {
        hash: hash(&token),
        sealed: seal(secret, &token),
        token,
    }
}

/// SHA-256 of a token, hex. Tokens carry 192 random bits, so a fast hash suffices.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a string could be a token at all (cheap check before any database work).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn cipher(secret: &SecretKey) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(&secret.derive("panellist-token-seal")))
}

/// Seals a token under the server key (random nonce; base64url of nonce and ciphertext).
pub fn seal(secret: &SecretKey, token: &str) -> String {
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher(secret)
        .encrypt(Nonce::from_slice(&nonce), token.as_bytes())
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend(sealed);
    URL_SAFE_NO_PAD.encode(out)
}

/// Opens a sealed token; fails when the key differs or the value was altered.
pub fn unseal(secret: &SecretKey, sealed: &str) -> Result<String, AppError> {
    let refuse =
        || AppError::Internal("a stored link could not be unsealed with this secret key".into());
    let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| refuse())?;
    if bytes.len() < 12 {
        return Err(refuse());
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let clear = cipher(secret)
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| refuse())?;
    String::from_utf8(clear).map_err(|_| refuse())
}

/// The personal link for a token.
pub fn link(base_url: &str, token: &str) -> String {
    format!("{}/p/{token}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hashed_and_sealed() {
        let key = SecretKey::generate();
        let a = issue(&key);
        let b = issue(&key);
        assert_ne!(a.token, b.token);
        assert!(looks_like_token(&a.token), "{}", a.token);
        assert_eq!(a.hash, hash(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.sealed.contains(&a.token));
        assert_eq!(unseal(&key, &a.sealed).unwrap(), a.token);
        assert!(
            unseal(&SecretKey::generate(), &a.sealed).is_err(),
            "another key cannot open it"
        );
        let mut tampered = a.sealed.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert!(unseal(&key, &String::from_utf8(tampered).unwrap()).is_err());
    }
}
