-- Researchers' sessions, so that signing out, changing one's password and "sign out
-- everywhere" end a session on the server: the cookie carries a random id, stored here only
-- as its SHA-256 hash; a session is valid until expires_at and while its row exists.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
