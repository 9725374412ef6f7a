-- The round monitor's "last activity" per panellist (and whether they started), kept on the
-- participation row in the same transaction as each save (delphi_store::responses::upsert),
-- so the monitor reads one row per panellist instead of grouping every answer of the round
-- on every poll. NULL while the panellist has no answer in the round. Backfilled.
ALTER TABLE participations ADD COLUMN last_saved_at TIMESTAMP;
UPDATE participations AS p
SET last_saved_at = a.last_saved_at
FROM (
    SELECT round_id, panellist_id, max(updated_at) AS last_saved_at
    FROM responses
    GROUP BY round_id, panellist_id
) AS a
WHERE a.round_id = p.round_id AND a.panellist_id = p.panellist_id;
