-- The researcher's changes to the rule's proposal for the next round, one per item, kept
-- after the round opens as the record of what was decided and why; and the reason an item
-- left the study (dropped, retired), which the item ledger shows.
ALTER TABLE items ADD COLUMN status_reason TEXT;

CREATE TABLE plan_changes (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    round_number INTEGER NOT NULL,
    item_code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rerate', 'inform', 'retire', 'drop', 'reword', 'add')),
    new_code TEXT,
    section TEXT,
    text TEXT,
    reason TEXT NOT NULL,
    source_round_id TEXT,
    source_item_id TEXT,
    source_panellist_id TEXT,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, round_number, item_code)
);
