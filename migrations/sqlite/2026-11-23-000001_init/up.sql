-- The whole domain of DESIGN.md. Portable types only: ids are UUID text, times are UTC
-- TIMESTAMP, small enums are TEXT with a CHECK, JSON settings are TEXT.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE studies (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    consent_text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'running', 'completed')),
    settings TEXT NOT NULL,
    rule_locked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE study_members (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'researcher', 'analyst')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, user_id)
);

CREATE TABLE stakeholder_groups (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (study_id, code)
);

CREATE TABLE panellists (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES stakeholder_groups (id),
    email TEXT NOT NULL,
    name TEXT,
    pseudonym TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    token_revoked_at TIMESTAMP,
    consented_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (study_id, email),
    UNIQUE (study_id, pseudonym)
);

CREATE TABLE items (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('seeded', 'added', 'reworded')),
    origin_round INTEGER,
    replaces_id TEXT REFERENCES items (id),
    change_note TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'retired', 'replaced', 'dropped')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (study_id, code)
);

CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    instructions TEXT NOT NULL,
    deadline TIMESTAMP,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (study_id, number)
);

CREATE TABLE round_items (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items (id),
    position INTEGER NOT NULL,
    disposition TEXT NOT NULL CHECK (disposition IN ('new', 'carried', 'reworded', 'for_information')),
    PRIMARY KEY (round_id, item_id)
);

CREATE TABLE participations (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    panellist_id TEXT NOT NULL REFERENCES panellists (id) ON DELETE CASCADE,
    invited_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    submitted_at TIMESTAMP,
    PRIMARY KEY (round_id, panellist_id)
);

CREATE TABLE responses (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items (id),
    panellist_id TEXT NOT NULL REFERENCES panellists (id) ON DELETE CASCADE,
    rating INTEGER,
    unable_to_rate BOOLEAN NOT NULL DEFAULT FALSE,
    comment TEXT,
    reason TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, item_id, panellist_id),
    CHECK (NOT (unable_to_rate AND rating IS NOT NULL))
);
CREATE INDEX responses_panellist ON responses (panellist_id, round_id);

CREATE TABLE results (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items (id),
    group_code TEXT NOT NULL,
    n_valid INTEGER NOT NULL,
    n_utr INTEGER NOT NULL,
    classification TEXT,
    stats TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, item_id, group_code)
);

CREATE TABLE comment_reviews (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items (id),
    panellist_id TEXT NOT NULL REFERENCES panellists (id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('released', 'hidden')),
    shown_text TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, item_id, panellist_id)
);

CREATE TABLE email_templates (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, kind)
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT REFERENCES studies (id) ON DELETE CASCADE,
    round_id TEXT REFERENCES rounds (id) ON DELETE CASCADE,
    panellist_id TEXT REFERENCES panellists (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    context TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_round ON outbox (round_id, kind);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT REFERENCES studies (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_study ON audit_log (study_id, created_at);
