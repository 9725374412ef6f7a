-- One-time links that let a person choose a password: a new login's first password (sent
-- when an owner adds an address that has no login yet) and the reset of a forgotten one.
-- The link carries 256 random bits, stored here only as their SHA-256 hash (looked up) and
-- sealed under the server key (so the mail worker can put the link in the email; emptied
-- once the link is used). A link works once (used_at) and until expires_at.
CREATE TABLE account_links (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('set_password', 'reset_password')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_links_user ON account_links (user_id, purpose, created_at);
