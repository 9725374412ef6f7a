-- The round monitor's "last activity" and "started" per panellist, kept on the participation
-- row in the same transaction as each save (delphi_store::responses::upsert), so the monitor
-- reads one row per panellist instead of grouping every answer of the round on every poll.
-- answers_saved: how many of the round's items the panellist has an answer row for;
-- last_saved_at: the latest of those answers' updated_at. Backfilled from the answers.
ALTER TABLE participations ADD COLUMN last_saved_at TIMESTAMP;
ALTER TABLE participations ADD COLUMN answers_saved BIGINT NOT NULL DEFAULT 0
    CHECK (answers_saved >= 0);
UPDATE participations AS p
SET last_saved_at = a.last_saved_at, answers_saved = a.answers_saved
FROM (
    SELECT round_id, panellist_id, max(updated_at) AS last_saved_at, count(*) AS answers_saved
    FROM responses
    GROUP BY round_id, panellist_id
) AS a
WHERE a.round_id = p.round_id AND a.panellist_id = p.panellist_id;
