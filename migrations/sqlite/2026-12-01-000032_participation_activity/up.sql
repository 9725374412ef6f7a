-- The round monitor's "last activity" and "started" per panellist, kept on the participation
-- row in the same transaction as each save (delphi_store::responses::upsert), so the monitor
-- reads one row per panellist instead of grouping every answer of the round on every poll.
-- answers_saved: how many of the round's items the panellist has an answer row for;
-- last_saved_at: the latest of those answers' updated_at. Backfilled from the answers.
ALTER TABLE participations ADD COLUMN last_saved_at TIMESTAMP;
ALTER TABLE participations ADD COLUMN answers_saved INTEGER NOT NULL DEFAULT 0
    CHECK (answers_saved >= 0);
UPDATE participations
SET last_saved_at = (
        SELECT max(r.updated_at) FROM responses AS r
        WHERE r.round_id = participations.round_id
          AND r.panellist_id = participations.panellist_id),
    answers_saved = (
        SELECT count(*) FROM responses AS r
        WHERE r.round_id = participations.round_id
          AND r.panellist_id = participations.panellist_id);
