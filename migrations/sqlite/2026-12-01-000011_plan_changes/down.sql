DROP TABLE plan_changes;
ALTER TABLE items DROP COLUMN status_reason;
