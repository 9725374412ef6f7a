-- The round monitor's "last activity" per panellist (and whether they started), kept on the
-- participation row in the same transaction as each save (delphi_store::responses::upsert),
-- so the monitor reads one row per panellist instead of grouping every answer of the round
-- on every poll. NULL while the panellist has no answer in the round. Backfilled.
ALTER TABLE participations ADD COLUMN last_saved_at TIMESTAMP;
UPDATE participations
SET last_saved_at = (
    SELECT max(r.updated_at) FROM responses AS r
    WHERE r.round_id = participations.round_id
      AND r.panellist_id = participations.panellist_id);
