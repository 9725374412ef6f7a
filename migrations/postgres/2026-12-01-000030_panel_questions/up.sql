-- The questions a study asks besides its items. Round 1's open question ("is anything
-- missing?"): one answer per panellist per section ('' for the question asked once for the
-- whole round). The background questionnaire shown after consent: one row per panellist and
-- question once the panellist has answered or skipped it (answer NULL: "prefer not to say").
-- An item added from a suggestion names it in plan_changes: its round and writer (the
-- existing source columns) and its section.
CREATE TABLE open_answers (
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    panellist_id TEXT NOT NULL REFERENCES panellists (id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, panellist_id, section)
);

CREATE TABLE background_answers (
    panellist_id TEXT NOT NULL REFERENCES panellists (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (panellist_id, question_id)
);

ALTER TABLE plan_changes ADD COLUMN source_section TEXT;
