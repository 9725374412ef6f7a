-- Changes to a study's protocol (scale, consensus, stopping and counting rules) after round 1
-- opened and locked it: what changed, why, by whom and when; the settings before and after.
CREATE TABLE amendments (
    id TEXT PRIMARY KEY NOT NULL,
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    made_at TIMESTAMP NOT NULL,
    made_by TEXT NOT NULL,
    summary TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    settings_before TEXT NOT NULL,
    settings_after TEXT NOT NULL
);
CREATE INDEX amendments_by_study ON amendments (study_id, made_at);

-- The sections a study declares, in order (items name one of them), so a study set up in the
-- browser keeps its sections before it has items.
CREATE TABLE study_sections (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (study_id, position)
);
